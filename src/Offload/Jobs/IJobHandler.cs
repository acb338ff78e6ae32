namespace Offload.Jobs;

/// <summary>
/// The work of one kind of job, and nothing else: the core (<see cref="JobRunner"/>) claims the job, holds its lease,
/// retries it, dead-letters it, records its history and its telemetry, the same for every kind. The handler returns
/// what it made; it throws <see cref="PermanentJobException"/> when the job can never succeed and
/// <see cref="TransientJobException"/> (or a fault its kind classifies: <see cref="JobKind.Classify"/>) when a later
/// attempt may. It must be idempotent: a message can arrive twice, so it writes its outputs under names of its run
/// (<see cref="JobContext.RunId"/>) and keeps none that its <see cref="JobResult"/> does not record.
/// </summary>
public interface IJobHandler<in TPayload> where TPayload : IJobPayload
{
    /// <param name="cancellationToken">Stops the work when the job is cancelled, taken over, fenced, or the host stops.</param>
    Task<JobResult> RunAsync(TPayload payload, JobContext context, CancellationToken cancellationToken);
}

/// <summary>What a handler knows of its job while it runs it.</summary>
public sealed class JobContext
{
    private readonly JobRun _run;

    internal JobContext(JobRun run, int maxAttempts, long dequeueCount) => (_run, MaxAttempts, DequeueCount) = (run, maxAttempts, dequeueCount);

    public string JobId => _run.Job.Id;

    /// <summary>This run's own id: a name for its outputs that no other run of the job (a duplicate delivery) shares.</summary>
    public string RunId => _run.RunId;

    /// <summary>Whose job it is (<see cref="Access.Caller.OwnerId"/>).</summary>
    public string? Owner => _run.Job.Owner;

    /// <summary>The attempt this run is, from 1.</summary>
    public int Attempt => _run.Job.Attempts;

    public int MaxAttempts { get; }

    /// <summary>How often the queue has delivered this message.</summary>
    public long DequeueCount { get; }

    /// <summary>Progress in percent (0-100), written with the next heartbeat. Safe to call from any thread.</summary>
    public void ReportProgress(double percent) => _run.ReportProgress(percent);
}

/// <summary>
/// What a run made: <paramref name="Summary"/> for the job's history, <paramref name="Output"/> stored as the job's
/// result (JSON) by the same compare-and-set that moves it to <c>succeeded</c>.
/// </summary>
public sealed record JobResult(string Summary, object? Output = null)
{
    /// <summary>
    /// Runs when the success could not be recorded (the job was cancelled or taken over at the last moment): removes
    /// what only a recorded success may keep, such as an output blob of this run.
    /// </summary>
    public Func<Task>? Discard { get; init; }
}
