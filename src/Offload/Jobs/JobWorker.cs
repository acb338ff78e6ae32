using Microsoft.Extensions.Logging;
using Offload.Messaging;

namespace Offload.Jobs;

/// <summary>
/// What every queue worker does around its own work, written once: read the delivered message, claim the job
/// (idempotently: a finished job is acknowledged, a lost race stops, a malformed message goes to the poison queue),
/// and end it as succeeded, failed or retrying with a reason a person can read.
/// </summary>
public sealed partial class JobWorker(JobStore jobs, JobQueue queue, ILogger<JobWorker> logger)
{
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
    /// Moves the job to <c>processing</c> (attempts + 1), or returns <c>null</c> when this delivery has nothing to do:
    /// no such job (poisoned), already finished (a redelivery), out of attempts (failed here), or another delivery won.
    /// </summary>
    public async Task<Job?> ClaimAsync(
        string queueName, string kind, JobMessage message, string body, int maxAttempts, CancellationToken cancellationToken)
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

        if (job.Attempts >= maxAttempts)
        {
            // Earlier deliveries claimed the job and never reported back: the worker died each time (killed, out of memory).
            await FailAsync(job, $"The job was started {job.Attempts} times and never finished; the worker stopped each time.");
            return null;
        }

        var claimed = await jobs.TryMoveAsync(job, JobStatus.Processing, j =>
        {
            j.Attempts++;
            j.Progress = 0;
            j.StartedAt = jobs.Now;
            j.Error = null;
            j.NextAttemptAt = null;
        }, cancellationToken);
        if (claimed is null)
            LogLostRace(logger);
        return claimed;
    }

    /// <summary>Ends the job as failed with <paramref name="reason"/>; <c>null</c> when another delivery moved it first.</summary>
    public async Task<Job?> FailAsync(Job job, string reason)
    {
        var failed = await jobs.TryMoveAsync(job, JobStatus.Failed, j => j.Error = reason, CancellationToken.None);
        if (failed is null)
            LogLostRace(logger);
        else
            LogFailed(logger, reason);
        return failed;
    }

    /// <summary>
    /// After a transient fault: on the last attempt the job fails; otherwise it is <c>retrying</c> with the reason and
    /// <c>nextAttemptAt</c>, and its id goes back on <paramref name="queueName"/>, invisible for the backoff. The current
    /// message is then complete. If the id cannot be queued again this throws, and the queue redelivers the message.
    /// </summary>
    public async Task RetryLaterAsync(string queueName, Job job, string reason, RetryPolicy policy, Exception exception)
    {
        if (job.Attempts >= policy.MaxAttempts)
        {
            await FailAsync(job, $"Gave up after {job.Attempts} attempts: {reason}");
            return;
        }

        var delay = policy.DelayAfter(job.Attempts, Random.Shared.NextDouble());
        LogWillRetry(logger, job.Attempts, policy.MaxAttempts, delay.TotalSeconds, reason, exception);
        var retrying = await jobs.TryMoveAsync(job, JobStatus.Retrying, j =>
        {
            j.Error = reason;
            j.NextAttemptAt = jobs.Now + delay;
        }, CancellationToken.None);
        if (retrying is null)
        {
            LogLostRace(logger);
            return;
        }

        await queue.EnqueueAsync(queueName, job.Id, CancellationToken.None, delay);
    }

    /// <summary>The host is stopping mid-job: hand the job back so the next worker resumes it.</summary>
    public Task StoppedAsync(Job job) =>
        jobs.TryMoveAsync(job, JobStatus.Retrying, j => j.Error = "The worker stopped during the job; it will be retried.", CancellationToken.None);

    public void LostRace() => LogLostRace(logger);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Job failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Attempt {Attempt} of {MaxAttempts} failed, retrying in {DelaySeconds:0.0} s: {Reason}")]
    private static partial void LogWillRetry(ILogger logger, int attempt, int maxAttempts, double delaySeconds, string reason, Exception exception);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Job already {Status}; redelivered message acknowledged")]
    private static partial void LogAlreadyFinished(ILogger logger, string status);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Another delivery changed the job first; this one stops")]
    private static partial void LogLostRace(ILogger logger);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Malformed {Queue} message moved to the poison queue: {Reason}")]
    private static partial void LogMalformedMessage(ILogger logger, string queue, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "No {Kind} job has this id; {Queue} message moved to the poison queue")]
    private static partial void LogUnknownJob(ILogger logger, string queue, string kind);
}
