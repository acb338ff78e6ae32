using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Jobs;

/// <summary>
/// What every queue worker does around its own work, written once: read the delivered message (malformed → poison
/// queue) and claim the job, idempotently. A delivery has nothing to do when the job is finished (a redelivery), is
/// held by a live worker, or waits for its backoff; the last two send themselves again for when they can act.
/// </summary>
public sealed partial class JobWorker(JobStore jobs, JobQueue queue, IOptions<JobOptions> options, ILogger<JobWorker> logger)
{
    /// <summary>How early a delivery may come for a retry and still start it (clocks of two machines differ a little).</summary>
    private static readonly TimeSpan BackoffTolerance = TimeSpan.FromSeconds(1);

    /// <summary>Parses a delivery; a message that can never be handled is moved to the poison queue and <c>null</c> returned.</summary>
    public async Task<JobMessage?> ReadAsync(string queueName, string body, CancellationToken cancellationToken)
    {
        if (JobMessage.TryParse(body, out var message, out var error))
            return message;

        LogMalformedMessage(logger, queueName, error);
        await queue.DeadLetterAsync(queueName, body, cancellationToken);
        return null;
    }

    /// <summary>
    /// Moves the job to <c>processing</c> (attempts + 1, a fresh lease) and returns its run, or <c>null</c> when this
    /// delivery has nothing to do: no such job (poisoned), already finished, held by a live worker, waiting for its
    /// backoff, out of attempts (failed here), or another delivery won the claim.
    /// </summary>
    /// <remarks>
    /// While storage is unavailable the claim is tried again (<see cref="StoragePatience"/>): the listener holds this
    /// message for 10 minutes if the delivery fails. Every claimed job is then watched (<see cref="WatchdogHandler"/>), so a job
    /// whose worker dies, at any moment, comes back about one lease later.
    /// </remarks>
    public async Task<JobRun?> ClaimAsync(
        string queueName, string kind, JobMessage message, string body, RetryPolicy policy, CancellationToken cancellationToken)
    {
        // The wait for storage is not cut short when the host stops: the SDK restarts its job host when its own
        // listener fails during an outage, and a claim cancelled then would leave the job queued, its message hidden by
        // the listener for 10 minutes. Claimed, the run sees the stopping host and puts the job back on its queue.
        var claimed = await Patiently(() => TryClaimAsync(queueName, kind, message, body, policy, CancellationToken.None), CancellationToken.None);
        if (claimed is null)
            return null;

        // The run (and its heartbeat) first: a wait for the queue here would let the lease run out before the work began.
        var lease = options.Value;
        var run = new JobRun(claimed, queueName, policy, this, jobs, queue, lease, logger, cancellationToken);
        try
        {
            await queue.EnqueueAsync(QueueNames.Watchdog, claimed.Id, CancellationToken.None, lease.LeaseDuration + lease.HeartbeatInterval);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            // The queue is down: the work goes on, and should this worker die, the sweeper finds the dead lease instead.
            LogWatchNotSent(logger, ex.Message);
        }

        return run;
    }

    /// <summary>
    /// Claims the job and runs <paramref name="work"/> on it: what every kind of work does around its own, and the one
    /// place where what the work did not expect is caught. The work ends its run itself (succeeded, failed, retrying)
    /// for the faults it knows. An unexpected exception is transient: the job is retried up to its attempt limit, then
    /// fails, its error and history naming the exception's type and message (the stack trace goes to the log). A host
    /// that stops mid-job hands the job back without using up the attempt. Returns whether this delivery ran the job.
    /// </summary>
    public async Task<bool> RunAsync(
        string queueName, string kind, JobMessage message, string body, RetryPolicy policy, Func<JobRun, Task> work,
        CancellationToken hostStopping)
    {
        await using var run = await ClaimAsync(queueName, kind, message, body, policy, hostStopping);
        if (run is null)
            return false;

        try
        {
            await work(run);
        }
        catch (OperationCanceledException) when (run.Interrupted)
        {
            // Cancelled by a person, taken over by another worker, or given up (fenced: the run hands it back as it is
            // disposed): the job is no longer this run's to end.
            LogInterrupted(logger, run.Cancelled ? "cancelled" : run.Fenced ? "given up: its lease could not be renewed" : "taken over by another worker");
        }
        catch (OperationCanceledException) when (hostStopping.IsCancellationRequested && !run.Ended)
        {
            await run.StoppedAsync();
        }
        catch (Exception ex) when (!run.Ended)
        {
            LogUnexpected(logger, ex.GetType().Name, ex);
            await run.RetryLaterAsync(Unexpected(ex), ex);
        }

        return true;
    }

    /// <summary>An unexpected exception in words for the job's error: its type and message, cut to a readable length.</summary>
    internal static string Unexpected(Exception ex)
    {
        var text = $"{ex.GetType().Name}: {ex.Message}";
        return text.Length <= MaxErrorLength ? text : text[..(MaxErrorLength - 1)] + "…";
    }

    private const int MaxErrorLength = 500;

    /// <summary>
    /// How long a worker waits for storage: the queue listener keeps a delivered message for 10 minutes anyway, and a
    /// delivery that failed meanwhile would come back only after them. A known outcome recorded late beats work done
    /// twice; the watchdog leaves a job alone while its worker may still be waiting.
    /// </summary>
    internal static readonly TimeSpan StoragePatience = TimeSpan.FromMinutes(10);

    /// <summary>Runs a storage step again while storage is unavailable, for up to <see cref="StoragePatience"/> (or <paramref name="patience"/>).</summary>
    internal Task<T> Patiently<T>(Func<Task<T>> step, CancellationToken cancellationToken, TimeSpan? patience = null) =>
        StorageFaults.RetryWhileUnavailableAsync(step, patience ?? StoragePatience, ex => LogWaitingForStorage(logger, ex.Message), cancellationToken);

    internal Task Patiently(Func<Task> step, CancellationToken cancellationToken, TimeSpan? patience = null) =>
        StorageFaults.RetryWhileUnavailableAsync(step, patience ?? StoragePatience, ex => LogWaitingForStorage(logger, ex.Message), cancellationToken);

    private async Task<Job?> TryClaimAsync(
        string queueName, string kind, JobMessage message, string body, RetryPolicy policy, CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(message.JobId, cancellationToken);
        if (job is null || job.Kind != kind)
        {
            LogUnknownJob(logger, queueName, kind);
            await queue.DeadLetterAsync(queueName, body, cancellationToken);
            return null;
        }

        if (job.IsFinal)
        {
            LogAlreadyFinished(logger, job.Status);
            return null;
        }

        var now = jobs.Now;
        if (job is { Status: JobStatus.Processing, LeaseExpiresAt: { } leaseEnd } && leaseEnd > now)
        {
            // A duplicate delivery while a live worker runs the job: make sure someone looks again should that worker die.
            LogHeldElsewhere(logger, (leaseEnd - now).TotalSeconds);
            await queue.EnqueueAsync(QueueNames.Watchdog, job.Id, cancellationToken, leaseEnd - now + options.Value.HeartbeatInterval);
            return null;
        }

        if (job is { Status: JobStatus.Retrying, NextAttemptAt: { } due } && due - now > BackoffTolerance)
        {
            LogTooEarly(logger, (due - now).TotalSeconds);
            await queue.EnqueueAsync(queueName, job.Id, cancellationToken, due - now);
            return null;
        }

        var previousWorkerDied = job.Status == JobStatus.Processing;
        if (job.Attempts >= policy.MaxAttempts)
        {
            // Earlier deliveries claimed the job and never reported back: the worker died each time (killed, out of memory).
            var reason = $"The job was started {job.Attempts} times and never finished; the worker stopped each time.";
            if (await jobs.TryMoveAsync(job, JobStatus.Failed, reason, j => j.Error = reason, CancellationToken.None) is not null)
                LogFailed(logger, reason);
            return null;
        }

        var attempt = job.Attempts + 1;
        var claimed = await jobs.TryMoveAsync(job, JobStatus.Processing,
            previousWorkerDied
                ? $"Attempt {attempt} started: the worker of attempt {job.Attempts} stopped renewing its lease."
                : $"Attempt {attempt} started.",
            j =>
            {
                j.Attempts = attempt;
                j.Progress = 0;
                j.StartedAt = now;
                j.Error = null;
                j.NextAttemptAt = null;
                j.LeaseExpiresAt = now + options.Value.LeaseDuration;
                j.LeaseOwner = Guid.NewGuid().ToString("N");
            }, cancellationToken);
        if (claimed is null)
            LogLostRace(logger);
        return claimed;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Job failed: {Reason}")]
    internal static partial void LogFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Attempt {Attempt} of {MaxAttempts} failed, retrying in {DelaySeconds:0.0} s: {Reason}")]
    internal static partial void LogWillRetry(ILogger logger, int attempt, int maxAttempts, double delaySeconds, string reason, Exception exception);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Job already {Status}; redelivered message acknowledged")]
    private static partial void LogAlreadyFinished(ILogger logger, string status);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Another delivery changed the job first; this one stops")]
    internal static partial void LogLostRace(ILogger logger);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Malformed {Queue} message moved to the poison queue: {Reason}")]
    private static partial void LogMalformedMessage(ILogger logger, string queue, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "No {Kind} job has this id; {Queue} message moved to the poison queue")]
    private static partial void LogUnknownJob(ILogger logger, string queue, string kind);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "A live worker holds the job (lease ends in {Seconds:0.0} s); the watchdog will look again")]
    private static partial void LogHeldElsewhere(ILogger logger, double seconds);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Storage is unavailable; trying again in a second: {Reason}")]
    private static partial void LogWaitingForStorage(ILogger logger, string reason);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Warning, Message = "Attempt {Attempt}, the last, failed: {Reason}")]
    internal static partial void LogLastAttemptFailed(ILogger logger, int attempt, string reason, Exception exception);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Warning, Message = "The watchdog's check could not be queued ({Reason}); the sweeper watches the job's lease instead")]
    private static partial void LogWatchNotSent(ILogger logger, string reason);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Error, Message = "The work failed on an unexpected {ExceptionType}; it counts as a transient fault")]
    private static partial void LogUnexpected(ILogger logger, string exceptionType, Exception exception);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Information, Message = "The work stopped: the job was {Why}")]
    private static partial void LogInterrupted(ILogger logger, string why);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "The job's next attempt is due in {Seconds:0.0} s; this delivery waits for it")]
    private static partial void LogTooEarly(ILogger logger, double seconds);
}
