using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Messaging;
using Offload.Telemetry;

namespace Offload.Jobs;

/// <summary>One delivery of a <c>watchdog</c> message: a job id to look at.</summary>
public sealed record WatchdogCommand(string Message);

/// <summary>
/// Brings back the jobs of workers that died. A running job's worker renews its lease with every heartbeat, and its
/// claim sent the job's id here. While the lease is alive the check sends itself again for when the lease would
/// end; once it has run out (the worker was killed, lost its machine, or hung) the job's id goes back on its work
/// queue, where the next worker claims it again. The queue listener would bring the message back too, but only after
/// its fixed 10-minute invisibility: this takes about <see cref="JobOptions.LeaseDuration"/>.
/// </summary>
public sealed partial class WatchdogHandler(
    JobStore jobs, JobQueue queue, JobWorker worker, IOptions<JobOptions> options, ILogger<WatchdogHandler> logger)
{
    public async Task HandleAsync(WatchdogCommand command, CancellationToken cancellationToken)
    {
        if (await worker.ReadAsync(QueueNames.Watchdog, command.Message, cancellationToken) is not { } message)
            return;

        using var delivery = JobTracing.BeginDelivery(QueueNames.Watchdog, message, logger);
        await worker.Patiently(() => CheckAsync(message, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// How long a lease that ran out is watched before the job is given away: a worker that is alive but could not
    /// renew (storage was down) renews, or records its outcome, within a second or a heartbeat of storage coming back.
    /// </summary>
    public static TimeSpan Grace(JobOptions options) => TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, 3 * options.HeartbeatInterval.Ticks));

    /// <summary>How long a queued job may sit unchanged before its message counts as lost: two leases.</summary>
    public static TimeSpan QueuedCheck(JobOptions options) => 2 * options.LeaseDuration;

    /// <summary>
    /// Asks for a look at a job just put on its queue. Its message can be lost on the way (a receive whose answer
    /// storage never sent, a listener stopped mid-batch, hidden by the listener for 10 minutes): a job still queued and
    /// untouched a <see cref="QueuedCheck"/> later gets its message again.
    /// </summary>
    public Task WatchQueuedAsync(Job job, CancellationToken cancellationToken) =>
        queue.EnqueueAsync(QueueNames.Watchdog, job.Id, cancellationToken, QueuedCheck(options.Value), seen: job.ETag.ToString());

    private async Task CheckAsync(JobMessage message, CancellationToken cancellationToken)
    {
        var found = await jobs.GetAsync(message.JobId, cancellationToken);
        if (found is { Status: JobStatus.Queued } queued)
        {
            // Untouched since the last look (no worker claimed it): its message is lost, so it gets a new one.
            if (message.Seen == queued.ETag.ToString())
            {
                LogQueuedMessageLost(logger, QueuedCheck(options.Value).TotalSeconds);
                await queue.EnqueueAsync(QueueNames.For(queued.Kind), queued.Id, cancellationToken);
            }

            await WatchQueuedAsync(queued, cancellationToken);
            return;
        }

        // Finished, waiting for its own retry message, or unknown: nothing runs, nothing to watch.
        if (found is not { Status: JobStatus.Processing } job)
            return;

        var left = (job.LeaseExpiresAt ?? DateTimeOffset.MinValue) - jobs.Now;
        if (left > TimeSpan.Zero)
        {
            await queue.EnqueueAsync(QueueNames.Watchdog, job.Id, cancellationToken, left + options.Value.HeartbeatInterval);
            return;
        }

        // Storage is up now (this check ran). Look again after a grace period, with what the row was: only a worker
        // that wrote nothing all that time is dead. One that waited out a storage outage has written by then.
        var etag = job.ETag.ToString();
        if (message.Seen != etag)
        {
            await queue.EnqueueAsync(QueueNames.Watchdog, job.Id, cancellationToken, Grace(options.Value), seen: etag);
            return;
        }

        LogWorkerLost(logger, job.Attempts, -left.TotalSeconds);
        await queue.EnqueueAsync(QueueNames.For(job.Kind), job.Id, cancellationToken);
    }

    [LoggerMessage(EventId = 1031, Level = LogLevel.Warning,
        Message = "The job sat queued and untouched for {Seconds:0} s: its message was lost; it is queued again")]
    private static partial void LogQueuedMessageLost(ILogger logger, double seconds);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Warning,
        Message = "The worker of attempt {Attempt} stopped renewing its lease {Seconds:0.0} s ago; the job goes back on its queue")]
    private static partial void LogWorkerLost(ILogger logger, int attempt, double seconds);
}
