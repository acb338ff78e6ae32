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
    JobStore jobs, JobQueue queue, JobKinds kinds, StoragePatience patience, IOptions<JobOptions> options, ILogger<WatchdogHandler> logger)
{
    public async Task HandleAsync(WatchdogCommand command, CancellationToken cancellationToken)
    {
        if (!JobMessage.TryParse(command.Message, out var message, out var error))
        {
            LogMalformed(logger, error);
            await queue.DeadLetterAsync(QueueNames.Watchdog, command.Message, cancellationToken);
            return;
        }

        using var delivery = JobTracing.BeginDelivery(QueueNames.Watchdog, message, logger);
        await patience.RunAsync(() => CheckAsync(message, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// How long a lease that ran out is watched before the job is given away: a worker that is alive but could not
    /// renew (storage was down) renews, or records its outcome, soon after storage comes back, but not at once: a try
    /// sent into the outage may hang until its network timeout (10 s, <see cref="Storage.StorageClients.NetworkTimeout"/>),
    /// the storage client's retries back off for up to about 7 s more (0.8, 1.6, 3.2 s, ±20 %), then the worker tries
    /// again a second later. 30 s (or three heartbeats, if longer) covers that with room to spare; a grace of 5 s gave live
    /// workers' jobs away and sent their emails twice.
    /// </summary>
    public static TimeSpan Grace(JobOptions options) => TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, 3 * options.HeartbeatInterval.Ticks));

    private async Task CheckAsync(JobMessage message, CancellationToken cancellationToken)
    {
        var found = await jobs.GetAsync(message.JobId, cancellationToken);
        // Queued, finished, waiting for its own retry message, or unknown: nothing runs, nothing to watch (a lost
        // message of a queued or retrying job is the sweeper's: JobSweeper).
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
        await queue.EnqueueAsync(kinds.QueueOf(job.Kind), job.Id, cancellationToken);
    }

    [LoggerMessage(EventId = 1030, Level = LogLevel.Warning,
        Message = "The worker of attempt {Attempt} stopped renewing its lease {Seconds:0.0} s ago; the job goes back on its queue")]
    private static partial void LogWorkerLost(ILogger logger, int attempt, double seconds);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Error, Message = "Malformed watchdog message moved to the poison queue: {Reason}")]
    private static partial void LogMalformed(ILogger logger, string reason);
}
