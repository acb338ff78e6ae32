using Microsoft.Extensions.DependencyInjection;

namespace Offload.Dashboard;

public static class DashboardServiceCollectionExtensions
{
    /// <summary>What the people who run Offload see and do: every job of every owner, and the page that shows them.</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddSingleton<JobList>();
        services.AddSingleton<AllJobsApi>();
        services.AddSingleton<QueuesApi>();
        services.AddSingleton<OverviewApi>();
        services.AddSingleton<Workers>();
        services.AddHostedService<WorkerPresence>();
        services.AddSingleton<DashboardPages>();
        return services;
    }
}
