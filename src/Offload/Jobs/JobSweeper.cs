using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Messaging;

namespace Offload.Jobs;

/// <summary>What one sweep did.</summary>
public sealed record SweepResult(int Looked, int Resent, int Removed);

/// <summary>
/// The safety net under every queue: no job stays <c>queued</c>, <c>retrying</c> past its due time, or
/// <c>processing</c> with a dead lease, without a message on its way. Messages get lost in ways no worker sees: a row
/// written and its message not (the queue was down, the process died between the two), a receive whose answer
/// storage never sent (the listener hides such a message for 10 minutes), a watchdog message lost the same way.
/// On a timer (<see cref="JobOptions.SweepInterval"/>, one instance at a time) the sweeper reads the index of
/// unfinished jobs (<see cref="ActiveJobs"/>) and sends the message again for a job that is overdue by
/// <see cref="JobOptions.RedeliverAfter"/> and that nothing wrote between two of its looks, a grace apart. A message sent twice is
/// harmless (every claim is a compare-and-set); a job it must send again more than once is spaced out (1, 2, 4, 8
/// minutes), so a long backlog is not flooded with copies.
/// </summary>
public sealed partial class JobSweeper(
    ActiveJobs index, JobStore jobs, JobQueue queue, JobKinds kinds, Retention retention, IOptions<JobOptions> options, ILogger<JobSweeper> logger)
{
    /// <summary>The name of the lease that lets one instance sweep at a time.</summary>
    public const string LeaseName = "sweeper";

    /// <summary>
    /// An index row whose job never got written (the request died between the two) is dropped after this: long
    /// enough for a create stuck in the storage client's retries to land first.
    /// </summary>
    public static readonly TimeSpan OrphanAge = TimeSpan.FromHours(1);

    /// <summary>The marker (a row beside the lease) that says the jobs stored before the index existed were indexed.</summary>
    public const string BackfillMarker = "backfill-v1";

    private readonly string _holder = Guid.NewGuid().ToString("N");
    private readonly System.Diagnostics.Stopwatch _renewed = new();
    private DateTimeOffset _cleanedAt = DateTimeOffset.MinValue;
    private DateTimeOffset _faultAt = DateTimeOffset.MinValue;
    private Azure.ETag? _lease;
    private bool _backfilled;

    /// <summary>How often the sweeping instance deletes what has expired (<see cref="Retention"/>).</summary>
    public static readonly TimeSpan CleanupInterval = TimeSpan.FromHours(1);

    private TimeSpan LeaseDuration => 3 * options.Value.SweepInterval;

    /// <summary>
    /// Sweeps once if this instance holds the sweep lease (or takes it); <c>null</c> when another instance sweeps. The
    /// lease is renewed while the sweep runs, and a sweep that loses it stops. Once an hour the sweep also runs the
    /// clean-up of what has expired, and once per storage account the back-fill of jobs older than the index.
    /// </summary>
    public async Task<SweepResult?> SweepIfLeaderAsync(CancellationToken cancellationToken)
    {
        if ((_lease = await index.TryLeaseAsync(LeaseName, _holder, LeaseDuration, _lease, cancellationToken)) is null)
            return null;
        _renewed.Restart();
        try
        {
            await BackfillOnceAsync(cancellationToken);
            var result = await SweepAsync(cancellationToken);
            if (jobs.Now - _cleanedAt >= CleanupInterval && await KeepLeaseAsync(cancellationToken))
            {
                await retention.CleanUpAsync(KeepLeaseAsync, cancellationToken);
                _cleanedAt = jobs.Now;
            }

            return result;
        }
        catch (Exception ex) when (Storage.StorageFaults.IsUnavailable(ex))
        {
            // A look taken before storage went away must not count as the first of two (see SweepOneAsync).
            _faultAt = jobs.Now;
            throw;
        }
    }

    /// <summary>Renews the sweep lease when a sweep interval has passed since the last renewal; <c>false</c> when it was lost.</summary>
    private async Task<bool> KeepLeaseAsync(CancellationToken cancellationToken)
    {
        if (!_renewed.IsRunning || _renewed.Elapsed < options.Value.SweepInterval)
            return true;
        _lease = await index.TryLeaseAsync(LeaseName, _holder, LeaseDuration, _lease, cancellationToken);
        _renewed.Restart();
        if (_lease is null)
            LogLeaseLost(logger);
        return _lease is not null;
    }

    /// <summary>Jobs stored before this version kept the index: each unfinished one goes in, each finished one is filed to expire.</summary>
    private async Task BackfillOnceAsync(CancellationToken cancellationToken)
    {
        // Looked up once per instance: the marker, once set, stays.
        if (_backfilled || (_backfilled = await index.HasMarkerAsync(BackfillMarker, cancellationToken)))
            return;
        var count = 0;
        await foreach (var job in jobs.ListLegacyAsync(cancellationToken))
        {
            if (job.IsFinal)
                await index.EndAsync(job, cancellationToken);
            else
                await index.TryAddAsync(job.Id, job.Kind, job.Retries, cancellationToken);
            count++;
            if (count % 100 == 0 && !await KeepLeaseAsync(cancellationToken))
                return;
        }

        await index.SetMarkerAsync(BackfillMarker, cancellationToken);
        _backfilled = true;
        LogBackfilled(logger, count);
    }

    /// <summary>One look at every unfinished job.</summary>
    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        int looked = 0, resent = 0, removed = 0;
        await foreach (var row in index.ListAsync(cancellationToken))
        {
            if (!await KeepLeaseAsync(cancellationToken))
                break;
            looked++;
            try
            {
                switch (await SweepOneAsync(row, cancellationToken))
                {
                    case Outcome.Resent:
                        resent++;
                        break;
                    case Outcome.Removed:
                        removed++;
                        break;
                }
            }
            catch (Exception ex) when (!Storage.StorageFaults.IsUnavailable(ex) && ex is not OperationCanceledException)
            {
                // One odd row (a kind this version does not know, say) must not stop the sweep of the others.
                LogRowFailed(logger, row.JobId, ex);
            }
        }

        if (resent > 0 || removed > 0)
            LogSwept(logger, looked, resent, removed);
        return new SweepResult(looked, resent, removed);
    }

    private enum Outcome { Nothing, Resent, Removed }

    private async Task<Outcome> SweepOneAsync(ActiveJob row, CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(row.JobId, cancellationToken);
        var now = jobs.Now;
        if (job is null)
        {
            if (now - row.IndexedAt <= OrphanAge)
                return Outcome.Nothing;
            await index.RemoveAsync(row, cancellationToken);
            return Outcome.Removed;
        }

        if (job.IsFinal)
        {
            await index.EndAsync(job, cancellationToken, row);
            return Outcome.Removed;
        }

        if (now < DueAt(job, options.Value))
            return Outcome.Nothing;
        if (row.ResentAt is { } last && now - last < Spacing(row.Resent, options.Value))
            return Outcome.Nothing;

        // Overdue. Only a row that nothing wrote between two looks a grace apart counts as lost: a worker that waited
        // out a storage outage records what it did within that grace of storage's return (the watchdog's rule), and a
        // claim in flight lands meanwhile.
        var etag = job.ETag.ToString();
        if (row.Seen != etag)
        {
            (row.Seen, row.SeenAt) = (etag, now);
            await index.TryUpdateAsync(row, cancellationToken);
            return Outcome.Nothing;
        }

        // A grace after the first look, and after storage last failed a sweep: the first look may have come just
        // before an outage, and a live worker needs that grace after storage's return.
        var since = row.SeenAt is { } seenAt && seenAt > _faultAt ? seenAt : _faultAt;
        if (now - since < WatchdogHandler.Grace(options.Value))
            return Outcome.Nothing;

        using var scope = logger.BeginJobScope(job.Id);
        if (job.Status == JobStatus.Waiting)
            LogLookingAtParts(logger, (now - job.UpdatedAt).TotalSeconds, JobParts.SucceededCount(job), job.PartCount);
        else
            LogResending(logger, job.Status, (now - job.UpdatedAt).TotalSeconds, row.Resent + 1);
        await queue.EnqueueAsync(kinds.QueueOf(job.Kind), job.Id, cancellationToken);
        row.Resent++;
        row.ResentAt = now;
        await index.TryUpdateAsync(row, cancellationToken);
        return Outcome.Resent;
    }

    /// <summary>
    /// When a job in its state should have been picked up by now: a queued job <see cref="JobOptions.RedeliverAfter"/>
    /// after it was queued, a retrying one as long after its next attempt was due, a running one a heartbeat after its
    /// lease ran out, as the watchdog would look, a waiting one (split into parts) as long after its last part's end, so
    /// that its claim reads the parts and records any end that was not (<see cref="JobParts.CatchUpAsync"/>): a run sends the watchdog its message only once it has lasted
    /// <see cref="JobOptions.WatchAfter"/>, so the job of a worker that died sooner is this sweep's to bring back.
    /// </summary>
    public static DateTimeOffset DueAt(Job job, JobOptions options) => job.Status switch
    {
        JobStatus.Retrying => (job.NextAttemptAt ?? job.UpdatedAt) + options.RedeliverAfter,
        JobStatus.Processing => (job.LeaseExpiresAt ?? job.UpdatedAt) + options.HeartbeatInterval,
        _ => job.UpdatedAt + options.RedeliverAfter,
    };

    /// <summary>How long after its last re-send a job is sent again: <see cref="JobOptions.RedeliverAfter"/> doubled each time, at most 8 times it.</summary>
    public static TimeSpan Spacing(int resent, JobOptions options) =>
        options.RedeliverAfter * Math.Pow(2, Math.Clamp(resent - 1, 0, 3));

    [LoggerMessage(EventId = 1060, Level = LogLevel.Warning,
        Message = "The job is {Status} and untouched for {Seconds:0} s with no message on its way; its message is sent again (re-send {Resent})")]
    private static partial void LogResending(ILogger logger, string status, double seconds, int resent);

    [LoggerMessage(EventId = 1065, Level = LogLevel.Information,
        Message = "The job has waited {Seconds:0} s since a part last ended ({Done} of {Parts} succeeded); its message is sent so that its claim looks at the parts")]
    private static partial void LogLookingAtParts(ILogger logger, double seconds, int done, int parts);

    [LoggerMessage(EventId = 1062, Level = LogLevel.Error, Message = "The sweep could not look at job {JobId}; it goes on with the others")]
    private static partial void LogRowFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(EventId = 1063, Level = LogLevel.Warning, Message = "The sweep lease went to another instance; this sweep stops")]
    private static partial void LogLeaseLost(ILogger logger);

    [LoggerMessage(EventId = 1064, Level = LogLevel.Information, Message = "Back-fill: {Count} jobs stored before the index are indexed or filed to expire")]
    private static partial void LogBackfilled(ILogger logger, int count);

    [LoggerMessage(EventId = 1061, Level = LogLevel.Information, Message = "Sweep: {Looked} unfinished jobs, {Resent} messages sent again, {Removed} index rows removed")]
    private static partial void LogSwept(ILogger logger, int looked, int resent, int removed);
}
