using Microsoft.Extensions.DependencyInjection;
using Offload.Messaging;

namespace Offload.Jobs;

public static class JobsServiceCollectionExtensions
{
    /// <summary>
    /// The job core every kind of work runs on: the store and its index, the queues, the claim and the runner, split
    /// jobs and their parts, the watchdog, the sweeper, dead letters, retries by a person and retention.
    /// </summary>
    public static IServiceCollection AddJobCore(this IServiceCollection services)
    {
        services.AddOptions<JobOptions>().BindConfiguration(JobOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HostFacts>(); // set by the host
        services.AddSingleton<JobKinds>();
        services.AddSingleton<ActiveJobs>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<StoragePatience>();
        services.AddSingleton<JobClaim>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<JobEndListeners>();
        services.AddSingleton<JobParts>();
        services.AddSingleton<IJobEndListener>(sp => sp.GetRequiredService<JobParts>());
        services.AddSingleton<WatchdogHandler>();
        services.AddSingleton<DeadLetterHandler>();
        services.AddSingleton<DeadLetters>();
        services.AddSingleton<JobSweeper>();
        services.AddSingleton<Retention>();
        services.AddSingleton<RetryJobHandler>();
        services.AddSingleton<JobApi>();
        return services;
    }

    /// <summary>
    /// Registers a kind of work: jobs of <paramref name="name"/> go on <paramref name="queue"/> (a work queue of
    /// <see cref="WorkQueues"/>), carry a <typeparamref name="TPayload"/>, and are run by <typeparamref name="THandler"/>
    /// (a singleton). The core does the rest.
    /// </summary>
    public static IServiceCollection AddJobKind<TPayload, THandler>(
        this IServiceCollection services, string name, string queue, Action<JobKindSettings<TPayload>>? configure = null)
        where TPayload : class, IJobPayload
        where THandler : class, IJobHandler<TPayload>
    {
        var settings = new JobKindSettings<TPayload>();
        configure?.Invoke(settings);
        services.AddSingleton<THandler>();
        return services.AddSingleton<JobKind>(new JobKind<TPayload, THandler>(name, queue, settings));
    }
}
