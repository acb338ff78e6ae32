using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Offload.Access;
using Offload.Quotas;

namespace Offload.Jobs;

/// <summary>
/// One kind of work, as its folder registers it (<see cref="JobsServiceCollectionExtensions.AddJobKind{TPayload, THandler}"/>):
/// its name, the queue that carries it, its payload type (stored as JSON on the job, versioned) and its error policy
/// (attempts, backoff, which faults are permanent). The core needs nothing else to run it, like Celery's
/// <c>@app.task(queue=..., autoretry_for=..., max_retries=...)</c>.
/// </summary>
public abstract class JobKind(string name, string queue)
{
    /// <summary>Stored on the job (<see cref="Job.Kind"/>): never rename a kind that has jobs.</summary>
    public string Name { get; } = name;

    /// <summary>The work queue its jobs go on (<see cref="Messaging.WorkQueues"/>); several kinds may share one.</summary>
    public string Queue { get; } = queue;

    public abstract int PayloadVersion { get; }

    /// <summary>Attempts and backoff, read from the kind's options when a job is claimed.</summary>
    public abstract RetryPolicy RetryPolicy(IServiceProvider services);

    /// <summary>
    /// What the kind says of an exception its handler did not wrap (<see cref="PermanentJobException"/>,
    /// <see cref="TransientJobException"/>); <c>null</c> leaves it to the core, which treats storage faults and
    /// anything unexpected as transient.
    /// </summary>
    public abstract JobFault? Classify(Exception exception);

    /// <summary>Reads the job's payload and runs the kind's handler on it.</summary>
    /// <exception cref="PermanentJobException">The payload is missing, of another version, or unreadable.</exception>
    internal abstract Task<JobResult> RunAsync(IServiceProvider services, Job job, JobContext context, CancellationToken cancellationToken);

    /// <summary>What sending a failed job through again costs its caller (a quota); <c>null</c> when allowed.</summary>
    internal abstract Task<QuotaRefusal?> ChargeRetryAsync(IServiceProvider services, Caller caller, Job job, CancellationToken cancellationToken);

    /// <summary>
    /// Gives <paramref name="job"/>, read from a row stored before payloads (its kind's own columns), the payload and
    /// result its columns hold; false when the kind has no such rows.
    /// </summary>
    internal abstract bool TryReadLegacyRow(TableEntity row, Job job);

    /// <summary>The event a job of this kind raises when it ends in <paramref name="status"/> (<c>video.succeeded</c>); <c>null</c> for none.</summary>
    public abstract string? EventOf(string status);

    /// <summary>Every event this kind raises.</summary>
    public abstract IReadOnlyCollection<string> Events { get; }

    /// <summary>The job as its GET route shows it (what an event carries); <c>null</c> when the kind has no route.</summary>
    public abstract object? ViewOf(Job job, IReadOnlyList<JobEvent> history);
}

/// <summary>What a kind's registration may say beyond its name and queue.</summary>
public sealed class JobKindSettings<TPayload> where TPayload : IJobPayload
{
    /// <summary>Attempts and backoff; by default 3 attempts, 2 s doubling up to 2 min.</summary>
    public Func<IServiceProvider, RetryPolicy> Retry { get; set; } = _ => new RetryPolicy(3, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(2));

    /// <summary>Which exceptions of the work are permanent, and which transient, with the reason shown on the job.</summary>
    public Func<Exception, JobFault?> Faults { get; set; } = _ => null;

    /// <summary>What a retry by a person costs (a quota, as a new job of the kind would): none by default.</summary>
    public Func<RetryCharge<TPayload>, Task<QuotaRefusal?>> ChargeRetry { get; set; } = _ => Task.FromResult<QuotaRefusal?>(null);

    /// <summary>
    /// For a kind older than payloads: reads a row stored with the kind's own columns, as its payload and (for a job
    /// that succeeded) its result. The row takes the new shape at its next write.
    /// </summary>
    public Func<TableEntity, (TPayload Payload, object? Result)>? LegacyRow { get; set; }

    /// <summary>The events a job raises when it ends, by final status (<c>succeeded</c> → <c>video.succeeded</c>): what webhooks deliver.</summary>
    public Dictionary<string, string> Events { get; } = new(StringComparer.Ordinal);

    /// <summary>The job as its GET route shows it, carried by its events.</summary>
    public Func<Job, IReadOnlyList<JobEvent>, object>? View { get; set; }
}

/// <summary>A retry by <paramref name="Caller"/> of <paramref name="Job"/>, whose payload is <paramref name="Payload"/>.</summary>
public sealed record RetryCharge<TPayload>(IServiceProvider Services, Caller Caller, Job Job, TPayload Payload, CancellationToken CancellationToken);

internal sealed class JobKind<TPayload, THandler>(string name, string queue, JobKindSettings<TPayload> settings) : JobKind(name, queue)
    where TPayload : class, IJobPayload
    where THandler : IJobHandler<TPayload>
{
    public override int PayloadVersion => TPayload.Version;

    public override RetryPolicy RetryPolicy(IServiceProvider services) => settings.Retry(services);

    public override JobFault? Classify(Exception exception) => settings.Faults(exception);

    internal override Task<JobResult> RunAsync(IServiceProvider services, Job job, JobContext context, CancellationToken cancellationToken) =>
        services.GetRequiredService<THandler>().RunAsync(PayloadOf(job), context, cancellationToken);

    internal override Task<QuotaRefusal?> ChargeRetryAsync(IServiceProvider services, Caller caller, Job job, CancellationToken cancellationToken) =>
        settings.ChargeRetry(new RetryCharge<TPayload>(services, caller, job, PayloadOf(job), cancellationToken));

    public override string? EventOf(string status) => settings.Events.GetValueOrDefault(status);

    public override IReadOnlyCollection<string> Events => settings.Events.Values;

    public override object? ViewOf(Job job, IReadOnlyList<JobEvent> history) => settings.View?.Invoke(job, history);

    internal override bool TryReadLegacyRow(TableEntity row, Job job)
    {
        if (settings.LegacyRow is not { } read)
            return false;
        var (payload, result) = read(row);
        job.Payload = Offload.Jobs.JobPayload.Serialize(payload);
        job.PayloadVersion = TPayload.Version;
        job.Result = result is null ? null : Offload.Jobs.JobPayload.Serialize(result);
        return true;
    }

    private TPayload PayloadOf(Job job)
    {
        if (job.Payload is null)
            throw new PermanentJobException($"The job has no {Name} payload: it was stored by an earlier version of Offload. Submit it anew.");
        // A newer one comes from a newer version of the app, mid-deploy: a worker of that version may take it soon.
        if (job.PayloadVersion > TPayload.Version)
            throw new TransientJobException(
                $"The job's {Name} payload is version {job.PayloadVersion}; this worker reads version {TPayload.Version}, so it waits for a newer worker.");
        if (job.PayloadVersion != TPayload.Version)
            throw new PermanentJobException(
                $"The job's {Name} payload is version {job.PayloadVersion}; this worker reads version {TPayload.Version}.");
        try
        {
            return Offload.Jobs.JobPayload.Deserialize<TPayload>(job.Payload);
        }
        catch (System.Text.Json.JsonException)
        {
            throw new PermanentJobException($"The job's {Name} payload cannot be read.");
        }
    }
}
