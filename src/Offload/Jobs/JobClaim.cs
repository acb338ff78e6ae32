using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Messaging;

namespace Offload.Jobs;

/// <summary>
/// Claims the job a delivered message names, idempotently: moves it to <c>processing</c> (attempts + 1, a fresh lease)
/// and starts its <see cref="JobRun"/>. A delivery has nothing to do when the job is finished (a redelivery), is held
/// by a live worker, or waits for its backoff; the last two send themselves again for when they can act. A message
/// for no job, or for a kind this app does not know, goes to the poison queue; one for a kind of another queue goes
/// on to that queue.
/// </summary>
/// <remarks>
/// While storage is unavailable the claim is tried again (<see cref="StoragePatience"/>): the listener holds this
/// message anyway. A job whose worker dies comes back about one lease later: from the watchdog
/// (<see cref="WatchdogHandler"/>) once its run has lasted half a lease, from the sweeper before that.
/// </remarks>
public sealed partial class JobClaim(
    JobStore jobs, JobQueue queue, JobKinds kinds, JobParts parts, StoragePatience patience, IServiceProvider services, IOptions<JobOptions> options,
    ILogger<JobClaim> logger)
{
    /// <summary>This worker, as a job's history and <see cref="Job.Worker"/> name it: the machine and the process.</summary>
    public static string WorkerName { get; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>How early a delivery may come for a retry and still start it (clocks of two machines differ a little).</summary>
    private static readonly TimeSpan BackoffTolerance = TimeSpan.FromSeconds(1);

    /// <summary>What a claim came to: a run to do, or the job as found when it needs none (<see cref="Job.IsFinal"/> when it ended).</summary>
    public sealed record Outcome(JobRun? Run, Job? Found);

    public async Task<Outcome> ClaimAsync(string queueName, JobMessage message, string body, CancellationToken hostStopping)
    {
        // The wait for storage is not cut short when the host stops: a claim cancelled then would leave the job queued,
        // its message hidden by the listener for its hold. Claimed, the run sees the stopping host and hands the job back.
        var (claimed, found, kind, policy) = await patience.RunAsync(() => TryClaimAsync(queueName, message, body, CancellationToken.None), CancellationToken.None);
        if (claimed is null)
            return new Outcome(null, found);

        // No watchdog message yet: most jobs end well within their first lease, and one whose worker dies before the run
        // sends it (JobRun, once half a lease has passed) is found by the sweeper as soon as its lease has run out.
        var run = new JobRun(claimed, kind!, queueName, policy!, patience, jobs, queue, options.Value, logger, hostStopping);
        return new Outcome(run, claimed);
    }

    private async Task<(Job? Claimed, Job? Found, JobKind? Kind, RetryPolicy? Policy)> TryClaimAsync(
        string queueName, JobMessage message, string body, CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(message.JobId, cancellationToken);
        if (job is null)
        {
            LogUnknownJob(logger, queueName);
            await queue.DeadLetterAsync(queueName, body, cancellationToken);
            return default;
        }

        if (job.IsFinal)
        {
            LogAlreadyFinished(logger, job.Status);
            return (null, job, null, null);
        }

        if (kinds.Find(job.Kind) is not { } kind)
        {
            // A job of a kind this version does not know (one of a newer version, mid-deploy): its message dies, and
            // the dead-letter handler fails the job with a reason.
            LogUnknownKind(logger, job.Kind, queueName);
            await queue.DeadLetterAsync(queueName, body, cancellationToken);
            return default;
        }

        if (kind.Queue != queueName)
        {
            // Its kind moved to another queue (a message from before a deploy): carried on, not lost.
            LogWrongQueue(logger, job.Kind, queueName, kind.Queue);
            await queue.EnqueueAsync(kind.Queue, job.Id, cancellationToken);
            return default;
        }

        if (job.Status == JobStatus.Waiting && !JobParts.AllSucceeded(job))
        {
            // Sent by the sweeper (or a part's end told twice): record any part whose end was not, then look again.
            var current = await parts.CatchUpAsync(job, cancellationToken);
            if (current is not { Status: JobStatus.Waiting } || !JobParts.AllSucceeded(current))
            {
                LogWaiting(logger, current?.Status ?? "gone", current is null ? 0 : JobParts.SucceededCount(current), current?.PartCount ?? 0);
                return (null, current, null, null);
            }

            job = current;
        }

        if (job.ParentId is { } parentId && !JobParts.IsWanted(job, await jobs.GetAsync(parentId, cancellationToken)))
        {
            // A part its job no longer waits for: the job ended, or the run that split it did not get to wait for it.
            LogPartNotWanted(logger, parentId);
            await parts.CancelAsync(job, $"Its job {parentId} does not wait for this part: it ended, or was split again.", cancellationToken);
            return (null, await jobs.GetAsync(job.Id, cancellationToken), null, null);
        }

        var now = jobs.Now;
        if (job is { Status: JobStatus.Processing, LeaseExpiresAt: { } leaseEnd } && leaseEnd > now)
        {
            // A duplicate delivery while a live worker runs the job: make sure someone looks again should that worker die.
            LogHeldElsewhere(logger, (leaseEnd - now).TotalSeconds);
            await queue.EnqueueAsync(QueueNames.Watchdog, job.Id, cancellationToken, leaseEnd - now + options.Value.HeartbeatInterval);
            return default;
        }

        if (job is { Status: JobStatus.Retrying, NextAttemptAt: { } due } && due - now > BackoffTolerance)
        {
            LogTooEarly(logger, (due - now).TotalSeconds);
            await queue.EnqueueAsync(queueName, job.Id, cancellationToken, due - now);
            return default;
        }

        var policy = kind.RetryPolicy(services);
        var previousWorkerDied = job.Status == JobStatus.Processing;
        if (job.Attempts >= policy.MaxAttempts)
        {
            // Earlier deliveries claimed the job and never reported back: the worker died each time (killed, out of memory).
            var reason = $"The job was started {job.Attempts} times and never finished; the worker stopped each time.";
            var failed = await jobs.TryMoveAsync(job, JobStatus.Failed, reason, j => j.Error = reason, CancellationToken.None);
            if (failed is not null)
                JobLog.Failed(logger, reason);
            return (null, failed, null, null);
        }

        var attempt = job.Attempts + 1;
        var nextStage = job.Status == JobStatus.Waiting;
        var claimed = await jobs.TryMoveAsync(job, JobStatus.Processing,
            previousWorkerDied
                ? $"Attempt {attempt} started: the worker of attempt {job.Attempts} stopped renewing its lease."
                : nextStage ? $"Every part has succeeded: attempt {attempt} of the next stage started on {WorkerName}."
                : $"Attempt {attempt} started.",
            j =>
            {
                j.Attempts = attempt;
                j.Worker = WorkerName;
                j.Progress = JobParts.AllSucceeded(job) ? JobParts.PartsProgress : 0; // the next stage, again or for the first time
                j.StartedAt = now;
                j.Error = null;
                j.NextAttemptAt = null;
                j.LeaseExpiresAt = now + options.Value.LeaseDuration;
                j.LeaseOwner = Guid.NewGuid().ToString("N");
            }, cancellationToken);
        if (claimed is null)
            JobLog.LostRace(logger);
        return (claimed, claimed, kind, policy);
    }

    [LoggerMessage(EventId = 1083, Level = LogLevel.Information, Message = "The job is {Status}, {Done} of its {Parts} parts succeeded; nothing to do for this delivery")]
    private static partial void LogWaiting(ILogger logger, string status, int done, int parts);

    [LoggerMessage(EventId = 1084, Level = LogLevel.Information, Message = "Job {ParentId} does not wait for this part (it ended, or was split again): the part is cancelled")]
    private static partial void LogPartNotWanted(ILogger logger, string parentId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Job already {Status}; redelivered message acknowledged")]
    private static partial void LogAlreadyFinished(ILogger logger, string status);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "No job has this id; {Queue} message moved to the poison queue")]
    private static partial void LogUnknownJob(ILogger logger, string queue);

    [LoggerMessage(EventId = 1024, Level = LogLevel.Error, Message = "No kind of work '{Kind}' is registered in this version; {Queue} message moved to the poison queue")]
    private static partial void LogUnknownKind(ILogger logger, string kind, string queue);

    [LoggerMessage(EventId = 1025, Level = LogLevel.Warning, Message = "A {Kind} job arrived on {Queue}; its kind's queue is {KindQueue}, where it goes now")]
    private static partial void LogWrongQueue(ILogger logger, string kind, string queue, string kindQueue);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "A live worker holds the job (lease ends in {Seconds:0.0} s); the watchdog will look again")]
    private static partial void LogHeldElsewhere(ILogger logger, double seconds);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "The job's next attempt is due in {Seconds:0.0} s; this delivery waits for it")]
    private static partial void LogTooEarly(ILogger logger, double seconds);
}
