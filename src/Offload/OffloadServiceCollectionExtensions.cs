using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Offload.Access;
using Offload.Dashboard;
using Offload.Email;
using Offload.Health;
using Offload.Idempotency;
using Offload.Jobs;
using Offload.Quotas;
using Offload.Storage;
using Offload.Uploads;
using Offload.Videos;
using Offload.Webhooks;

namespace Offload;

public static class OffloadServiceCollectionExtensions
{
    /// <summary>
    /// The whole application, as both hosts register it: storage, access, the job core, then each capability. A kind
    /// of work registers itself in its own folder (<see cref="JobsServiceCollectionExtensions.AddJobKind{TPayload, THandler}"/>).
    /// </summary>
    public static IServiceCollection AddOffload(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddOffloadStorage(configuration);
        services.AddHostedService<StorageInitializer>();
        services.AddOffloadAccess(configuration);
        services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RateCounters>();
        services.AddSingleton<OwnerQuotas>();
        services.AddSingleton<IdempotencyKeys>();
        services.AddSingleton<BlobLinks>();

        services.AddJobCore();
        services.AddVideos();
        services.AddUploads();
        services.AddEmail();
        services.AddWebhooks();
        services.AddDashboard();

        services.AddSingleton<CheckHealthHandler>();
        services.AddSingleton<HealthApi>();
        return services;
    }
}
