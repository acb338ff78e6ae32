using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Access;
using Offload.Messaging;
using Offload.Quotas;

namespace Offload.Jobs;

public abstract record RetryJobResult
{
    public sealed record Queued(Job Job) : RetryJobResult;
    public sealed record NotFound : RetryJobResult;
    /// <summary>The job is running, waiting for a retry of its own, or succeeded: nothing to send through again.</summary>
    public sealed record NotRetryable(string Status) : RetryJobResult;
    /// <summary>It has been sent through again <see cref="JobOptions.MaxRetries"/> times already.</summary>
    public sealed record RetryLimitReached(int Retries, int MaxRetries) : RetryJobResult;
    /// <summary>Sending it through again would put the caller (or the recipient) over a quota.</summary>
    public sealed record OverQuota(QuotaRefusal Refusal) : RetryJobResult;
}

/// <summary>
/// Sends a failed or cancelled job through again (POST /api/videos/{id}/retry, /api/emails/{id}/retry): the
/// operator's replay of a dead job. The job goes back to <c>queued</c> with a fresh set of attempts, its history kept,
/// and its id goes on its queue. Asking again while it is still queued re-sends the message, so a retry whose message
/// was lost can simply be asked for again. A job may be sent through again <see cref="JobOptions.MaxRetries"/> times.
/// </summary>
public sealed partial class RetryJobHandler(
    JobStore jobs, JobQueue queue, JobKinds kinds, IServiceProvider services, IOptions<JobOptions> options, ILogger<RetryJobHandler> logger)
{
    public async Task<RetryJobResult> HandleAsync(Caller caller, string id, string kind, CancellationToken cancellationToken)
    {
        var job = await jobs.FindAsync(id, kind, caller, cancellationToken);
        if (job is null)
            return new RetryJobResult.NotFound();

        using var scope = logger.BeginJobScope(id);
        if (JobStatus.CanRetry(job.Status))
        {
            // Checked before any quota is taken: a refused retry changes nothing.
            if (job.Retries >= options.Value.MaxRetries)
            {
                LogRetryLimit(logger, job.Retries, options.Value.MaxRetries);
                return new RetryJobResult.RetryLimitReached(job.Retries, options.Value.MaxRetries);
            }
            // Another run is new work: it counts like a new video or email, so retries are no way around the quotas.
            if (await kinds.Find(job.Kind)!.ChargeRetryAsync(services, caller, job, cancellationToken) is { } refusal)
                return new RetryJobResult.OverQuota(refusal);
            var was = job.Error is null ? job.Status : $"{job.Status}: {job.Error}";
            var queued = await jobs.TryMoveAsync(job, JobStatus.Queued, $"Sent through again by request; it had {was}", j =>
            {
                j.Attempts = 0;
                j.HandBacks = 0;
                j.Retries++;
                j.Progress = 0;
                j.Error = null;
                j.StartedAt = null;
                j.NextAttemptAt = null;
                // A split job starts over: its next run splits it anew, under new part ids (JobParts).
                (j.PartCount, j.PartsKey, j.PartsDone) = (0, null, null);
            }, cancellationToken);
            if (queued is not null)
                LogRetried(logger, queued.Retries);
            // Lost a race (another retry, say): answer with the job as it is now.
            job = queued ?? await jobs.GetAsync(id, cancellationToken) ?? job;
        }

        if (job.Status != JobStatus.Queued)
            return new RetryJobResult.NotRetryable(job.Status);

        await queue.DispatchAsync(job, cancellationToken);
        return new RetryJobResult.Queued(job);
    }

    [LoggerMessage(EventId = 1040, Level = LogLevel.Information, Message = "The job was sent through again by request (retry {Retries})")]
    private static partial void LogRetried(ILogger logger, int retries);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Information, Message = "A retry was refused: the job was sent through again {Retries} times, Jobs:MaxRetries is {MaxRetries}")]
    private static partial void LogRetryLimit(ILogger logger, int retries, int maxRetries);
}
