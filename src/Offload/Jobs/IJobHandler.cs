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
    private readonly JobParts _parts;

    internal JobContext(JobRun run, JobParts parts, int maxAttempts, long dequeueCount) =>
        (_run, _parts, MaxAttempts, DequeueCount) = (run, parts, maxAttempts, dequeueCount);

    public string JobId => _run.Job.Id;

    /// <summary>This run's own id: a name for its outputs that no other run of the job (a duplicate delivery) shares.</summary>
    public string RunId => _run.RunId;

    /// <summary>Whose job it is (<see cref="Access.Caller.OwnerId"/>).</summary>
    public string? Owner => _run.Job.Owner;

    /// <summary>When the job was made: a deadline of the work counts from it.</summary>
    public DateTimeOffset CreatedAt => _run.Job.CreatedAt;

    /// <summary>The attempt this run is, from 1.</summary>
    public int Attempt => _run.Job.Attempts;

    public int MaxAttempts { get; }

    /// <summary>How often the queue has delivered this message.</summary>
    public long DequeueCount { get; }

    /// <summary>Progress in percent (0-100), written with the next heartbeat. Safe to call from any thread.</summary>
    public void ReportProgress(double percent) => _run.ReportProgress(percent);

    /// <summary>
    /// The job was split (<see cref="JobResult.Split"/>) and every part has succeeded: this run is its next stage (a
    /// stitch), which reads the parts (<see cref="ReadPartsAsync"/>).
    /// </summary>
    public bool PartsSucceeded => JobParts.AllSucceeded(_run.Job);

    /// <summary>The parts of the job's split, in order, each with its result.</summary>
    /// <exception cref="PermanentJobException">A part is gone (retention deleted it): the stage cannot run.</exception>
    public async Task<IReadOnlyList<Job>> ReadPartsAsync(CancellationToken cancellationToken)
    {
        var parts = await _parts.ReadAsync(_run.Job, cancellationToken);
        return parts.Any(p => p is null)
            ? throw new PermanentJobException("A part of the job is no longer stored; send the job through again.")
            : [.. parts.Select(p => p!)];
    }
}

/// <summary>
/// What a run made: <paramref name="Summary"/> for the job's history, <paramref name="Output"/> stored as the job's
/// result (JSON) by the same compare-and-set that moves it to <c>succeeded</c>.
/// </summary>
public sealed record JobResult(string Summary, object? Output = null)
{
    /// <summary>A short code for programs, kept in the history (<see cref="JobEvent.Code"/>): an HTTP status, an SMTP reply.</summary>
    public string? Code { get; init; }

    /// <summary>
    /// The work is split into these parts, jobs of their own (<see cref="JobParts"/>): the core stores them, moves the job to
    /// <c>waiting</c> and queues them; once every one has succeeded the job runs again, with
    /// <see cref="JobContext.PartsSucceeded"/> true. <see cref="Summary"/> says so in the history.
    /// </summary>
    public IReadOnlyList<JobPart>? Parts { get; init; }

    /// <summary>Splits the work into <paramref name="parts"/> (see <see cref="Parts"/>).</summary>
    public static JobResult Split(string summary, IReadOnlyList<JobPart> parts) =>
        parts.Count > 0 ? new(summary) { Parts = parts } : throw new ArgumentException("A split makes at least one part.", nameof(parts));

    /// <summary>
    /// Runs when the success could not be recorded (the job was cancelled or taken over at the last moment): removes
    /// what only a recorded success may keep, such as an output blob of this run.
    /// </summary>
    public Func<Task>? Discard { get; init; }
}
