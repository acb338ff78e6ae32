using Microsoft.Extensions.Logging;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Jobs;

/// <summary>
/// A job while one worker runs it, from its claim to its end. A heartbeat renews the job's lease, writes progress
/// and notices when the job was cancelled or taken over; <see cref="Token"/> then stops the work. Every end
/// (<see cref="SucceedAsync"/>, <see cref="FailAsync"/>, <see cref="RetryLaterAsync"/>, <see cref="StoppedAsync"/>)
/// stops the heartbeat first, then moves the job; while storage is unavailable it keeps trying, so an outcome (an email
/// that went out) is recorded once storage is back, not done again by another worker.
/// </summary>
/// <remarks>
/// Fencing (<see cref="LeaseFence"/>): a run that cannot renew its lease for the lease less a heartbeat stops its work
/// itself, before the watchdog can give the job to another worker, and asks the watchdog to look at the job. Once
/// storage answers it hands the job back (<c>retrying</c>, queued again at once) if the row is still as it left it;
/// a job already taken over or cancelled is left alone.
/// </remarks>
public sealed partial class JobRun : IAsyncDisposable
{
    private readonly StoragePatience _patience;
    private readonly JobStore _jobs;
    private readonly JobQueue _queue;
    private readonly JobOptions _options;
    private readonly ILogger _logger;
    private readonly string _queueName;
    private readonly RetryPolicy _policy;
    private readonly CancellationTokenSource _work;
    private readonly CancellationTokenSource _heartbeatStop = new();
    private readonly Task _heartbeat;
    private readonly CancellationToken _hostStopping;
    private readonly LeaseFence _fence;
    private Task _fencing = Task.CompletedTask;
    private TimeSpan _unrenewedFor;
    private readonly long _claimedAt;
    private double _percent;
    private bool _ended;
    private bool _watched;

    internal JobRun(
        Job job, JobKind kind, string queueName, RetryPolicy policy, StoragePatience patience, JobStore jobs, JobQueue queue, JobOptions options,
        ILogger logger, CancellationToken hostStopping)
    {
        Job = job;
        Kind = kind;
        RunId = job.LeaseOwner ?? throw new ArgumentException("A claimed job has a lease owner.", nameof(job));
        (_queueName, _policy, _patience, _jobs, _queue, _options, _logger) = (queueName, policy, patience, jobs, queue, options, logger);
        _work = CancellationTokenSource.CreateLinkedTokenSource(hostStopping);
        _hostStopping = hostStopping;
        _claimedAt = jobs.Clock.GetTimestamp();
        _fence = new LeaseFence(_jobs.Clock, options, (job.LeaseExpiresAt ?? _jobs.Now) - _jobs.Now, OnFenced);
        _heartbeat = Task.Run(HeartbeatAsync);
    }

    /// <summary>This run's own id (the <see cref="Job.LeaseOwner"/> its claim wrote): names what only this run writes.</summary>
    public string RunId { get; }

    /// <summary>The kind of work the job is.</summary>
    public JobKind Kind { get; }

    /// <summary>Attempts and backoff of the job's kind.</summary>
    public RetryPolicy Policy => _policy;

    /// <summary>The job as last stored by this run.</summary>
    public Job Job { get; private set; }

    /// <summary>
    /// Cancelled when the job was cancelled by a person, taken over by another worker, given up because the lease could
    /// not be renewed (<see cref="Fenced"/>), or the host stops.
    /// </summary>
    public CancellationToken Token => _work.Token;

    /// <summary>A person cancelled the job while it ran.</summary>
    public bool Cancelled { get; private set; }

    /// <summary>Another worker took the job over (this one's lease had run out).</summary>
    public bool Lost { get; private set; }

    /// <summary>
    /// The run stopped its work because it could not renew the lease for <see cref="LeaseFence.StopAfter"/>: another
    /// worker may take the job soon. The run hands it back as it is disposed, should storage answer.
    /// </summary>
    public bool Fenced { get; private set; }

    /// <summary>The job is no longer this run's to finish.</summary>
    public bool Interrupted => Cancelled || Lost || Fenced;

    /// <summary>The run has ended the job (or tried to): nothing more may be recorded for it.</summary>
    public bool Ended => _ended;

    /// <summary>Progress in percent (0-100), written with the next heartbeat. Safe to call from any thread.</summary>
    public void ReportProgress(double percent) => Volatile.Write(ref _percent, percent);

    public Task<Job?> SucceedAsync(string reason, Action<Job> change, string? code = null) =>
        EndAsync(JobStatus.Succeeded, reason, change, patience: null, code);

    /// <summary>Ends the job failed: a permanent fault, or the last attempt.</summary>
    public async Task<Job?> FailAsync(string reason, string? code = null)
    {
        var failed = await EndAsync(JobStatus.Failed, reason, j => j.Error = reason, patience: null, code);
        if (failed is not null)
            JobLog.Failed(_logger, reason);
        return failed;
    }

    /// <summary>
    /// The work is split (<see cref="JobResult.Split"/>): stores the parts, moves the job to <c>waiting</c> (its attempts
    /// start again from none for its next stage), and only then queues the parts, so none can end before the job waits
    /// for it. Should the move fail (the job was cancelled meanwhile, or taken over) the parts are cancelled; should this
    /// worker die between the two, the parts' claims find that the job does not wait for them.
    /// </summary>
    public async Task<Job?> SplitAsync(string reason, IReadOnlyList<JobPart> parts, JobParts split)
    {
        var rows = JobParts.NewParts(Job, parts, _jobs.Now);
        await _patience.RunAsync(() => split.CreateAsync(Job, rows, parts, CancellationToken.None), CancellationToken.None);
        var waiting = await EndAsync(JobStatus.Waiting, reason, j =>
        {
            j.PartCount = rows.Count;
            j.PartsKey = RunId;
            j.PartsDone = new string('0', rows.Count);
            j.Attempts = 0;
            j.HandBacks = 0;
            j.Error = null;
            j.NextAttemptAt = null;
        }, patience: null);
        if (waiting is null)
        {
            foreach (var part in rows)
                await _patience.RunAsync(() => split.CancelAsync(part, "The run that made this part did not get to wait for it.", CancellationToken.None), CancellationToken.None);
            return null;
        }

        await _patience.RunAsync(() => split.EnqueueAsync(rows, CancellationToken.None), CancellationToken.None);
        return waiting;
    }

    /// <summary>
    /// After a transient fault: on the last attempt the job fails; otherwise it is <c>retrying</c> with the reason and
    /// <c>nextAttemptAt</c>, and its id goes back on its queue, invisible for the backoff. If the id cannot be queued
    /// again this throws, the listener delivers the current message again, and that delivery waits for the backoff.
    /// </summary>
    public async Task RetryLaterAsync(string reason, Exception exception, string? code = null)
    {
        if (Job.Attempts >= _policy.MaxAttempts)
        {
            // The job's error says what happened in words for its owner; the exception, with what it names, is the operator's.
            JobLog.LastAttemptFailed(_logger, Job.Attempts, reason, exception);
            await FailAsync($"Gave up after {Job.Attempts} attempts: {reason}", code);
            return;
        }

        var delay = _policy.DelayAfter(Job.Attempts, Random.Shared.NextDouble());
        if (_policy.GiveUpAfter is { } window && _jobs.Now + delay - Job.CreatedAt > window)
        {
            JobLog.LastAttemptFailed(_logger, Job.Attempts, reason, exception);
            await FailAsync($"Gave up after {Job.Attempts} attempts in {Words(window)}: {reason}", code);
            return;
        }

        JobLog.WillRetry(_logger, Job.Attempts, _policy.MaxAttempts, delay.TotalSeconds, reason, exception);
        var retrying = await EndAsync(JobStatus.Retrying, $"Attempt {Job.Attempts} failed: {reason} Next attempt in {delay.TotalSeconds:0.#} s.", j =>
        {
            j.Error = reason;
            j.NextAttemptAt = _jobs.Now + delay;
        }, patience: null, code);
        if (retrying is not null)
            await _patience.RunAsync(() => _queue.EnqueueAsync(_queueName, Job.Id, CancellationToken.None, delay), CancellationToken.None);
    }

    /// <summary>
    /// The host is stopping mid-job (a deploy, a scale-in, Ctrl-C): hand the job back as <c>retrying</c>, the attempt
    /// not counted (the job did nothing wrong), and queue it again at once for the next worker. Storage is given
    /// <see cref="ShutdownPatience"/>, well inside the host's shutdown window; should it stay away, the lease runs out
    /// and the watchdog brings the job back.
    /// </summary>
    public async Task StoppedAsync()
    {
        try
        {
            var attempt = Job.Attempts;
            // A job that every host stops in the middle of (it outlasts each deploy, or its host is recycled because of
            // it) must still reach its attempt limit: after MaxFreeHandBacks the attempt counts.
            var free = Job.HandBacks < MaxFreeHandBacks;
            var handedBack = await EndAsync(JobStatus.Retrying,
                free
                    ? $"The worker shut down during attempt {attempt} (its host was stopping); the attempt does not count, and the job will run again."
                    : $"The worker shut down during attempt {attempt} (its host was stopping) for the {Job.HandBacks + 1}th time; this attempt counts, and the job will run again.",
                j =>
                {
                    j.HandBacks++;
                    j.Attempts = free ? Math.Max(0, attempt - 1) : attempt;
                    j.Error = null;
                    j.NextAttemptAt = _jobs.Now;
                }, ShutdownPatience);
            if (handedBack is not null)
            {
                LogHandedBack(_logger, attempt, free ? "not counted" : "counted");
                await _patience.RunAsync(() => _queue.EnqueueAsync(_queueName, Job.Id, CancellationToken.None), CancellationToken.None, ShutdownPatience);
            }
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            LogHandBackFailed(_logger, ex);
        }
    }

    private static string Words(TimeSpan window) =>
        window >= TimeSpan.FromHours(1) ? $"{window.TotalHours:0.#} h" : window >= TimeSpan.FromMinutes(1) ? $"{window.TotalMinutes:0.#} min" : $"{window.TotalSeconds:0.#} s";

    private async Task<Job?> EndAsync(string status, string reason, Action<Job> change, TimeSpan? patience, string? code = null)
    {
        await StopHeartbeatAsync();
        _ended = true;
        while (true)
        {
            var moved = await _patience.RunAsync(() => _jobs.TryMoveAsync(Job, status, reason, change, CancellationToken.None, code), CancellationToken.None, patience);
            if (moved is not null)
                return Job = moved;

            var current = await _patience.RunAsync(() => _jobs.GetAsync(Job.Id, CancellationToken.None), CancellationToken.None, patience);
            if (current is not null && current.Status == status && current.EventCount == Job.EventCount + 1)
                return Job = current; // this move was stored, but its answer was lost and the retry found it done
            if (current is { Status: JobStatus.Processing } && current.LeaseOwner == Job.LeaseOwner)
            {
                Job = current; // still this run's (a write of its own whose answer was lost): move it again
                continue;
            }

            await LearnWhyAsync(current);
            return null;
        }
    }

    private async Task HeartbeatAsync()
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_heartbeatStop.Token))
            {
                if (_fence.Tripped)
                    return; // the work stopped; a renewal now would only keep the job from the next worker
                try
                {
                    var sentAt = _jobs.Clock.GetTimestamp();
                    var percent = Math.Clamp((int)Math.Floor(Volatile.Read(ref _percent)), 0, 99);
                    var next = await _jobs.TryUpdateAsync(Job, j =>
                    {
                        j.Progress = Math.Max(j.Progress, percent);
                        j.LeaseExpiresAt = _jobs.Now + _options.LeaseDuration;
                    }, CancellationToken.None);
                    if (next is not null)
                    {
                        Job = next;
                        _fence.Renewed(sentAt);
                        await WatchOnceAsync();
                    }
                    else if (!await LearnWhyAsync(await _jobs.GetAsync(Job.Id, CancellationToken.None)))
                        return;
                }
                catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
                {
                    // Keep working: the lease is renewed once storage answers again. Should that take the lease less a
                    // heartbeat, the fence stops the work before the watchdog can give the job to another worker.
                    LogHeartbeatFailed(_logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (_heartbeatStop.IsCancellationRequested)
        {
            // the run ended
        }
    }

    /// <summary>
    /// Once the run has lasted <see cref="JobOptions.WatchAfter"/>, asks the watchdog to look at the job when its lease
    /// would end, so that should this worker die the job comes back about a lease later. A job that ends sooner (most
    /// emails) never sends one: four storage operations saved; a worker that dies before it sends one leaves a job the
    /// sweeper finds once its lease has run out (<see cref="JobSweeper.DueAt"/>). Not sent now, it is tried again at
    /// the next heartbeat.
    /// </summary>
    private async Task WatchOnceAsync()
    {
        if (_watched || _jobs.Clock.GetElapsedTime(_claimedAt) < _options.WatchAfter)
            return;
        try
        {
            await AskWatchdogAsync();
            _watched = true;
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            LogWatchNotSent(_logger, ex.Message);
        }
    }

    /// <summary>The job's id on the watchdog's queue, due a heartbeat after the lease this run last wrote would end.</summary>
    private Task AskWatchdogAsync()
    {
        var leaseLeft = (Job.LeaseExpiresAt ?? _jobs.Now) - _jobs.Now;
        return _queue.EnqueueAsync(QueueNames.Watchdog, Job.Id, CancellationToken.None,
            (leaseLeft > TimeSpan.Zero ? leaseLeft : TimeSpan.Zero) + _options.HeartbeatInterval);
    }

    /// <summary>
    /// A write found the job changed. Returns true when the change was this run's own (a write whose answer was lost)
    /// and the run goes on; otherwise records whether the job was cancelled or taken over and stops the work.
    /// </summary>
    private async Task<bool> LearnWhyAsync(Job? current)
    {
        if (!_ended && current is { Status: JobStatus.Processing } && current.LeaseOwner == Job.LeaseOwner)
        {
            Job = current;
            return true;
        }

        Cancelled = current?.Status == JobStatus.Cancelled;
        Lost = !Cancelled;
        if (Cancelled)
            LogCancelled(_logger);
        else
            JobLog.LostRace(_logger);
        await _work.CancelAsync();
        return false;
    }

    /// <summary>The fence tripped (a timer thread): stop the work, and make sure some worker looks at the job.</summary>
    private void OnFenced(TimeSpan unrenewedFor)
    {
        (Fenced, _unrenewedFor) = (true, unrenewedFor);
        LogFenced(_logger, unrenewedFor.TotalSeconds, _options.LeaseDuration.TotalSeconds);
        _fencing = Task.Run(async () =>
        {
            await _work.CancelAsync();
            // The claim's watchdog message may sit with this very worker, waiting for the table it cannot reach; the
            // queue may still answer. A look of its own, due when the lease ends, lets any other worker bring the job back.
            try
            {
                await AskWatchdogAsync();
            }
            catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
            {
                LogFenceWatchdogFailed(_logger, ex.Message);
            }
        });
    }

    /// <summary>
    /// Gives a job this run stopped on back: <c>retrying</c> and queued again at once, so the next worker need not wait
    /// for the watchdog. A compare-and-set like every move: taken over or cancelled meanwhile, the job is left as it is.
    /// The attempt does not count (the first <see cref="MaxFreeHandBacks"/> times), as when a host stops mid-job
    /// (<see cref="StoppedAsync"/>): the job did nothing wrong.
    /// </summary>
    private async Task HandBackAsync()
    {
        var why = $"could not renew the lease for {_unrenewedFor.TotalSeconds:0.0} s; stopped so that another worker may take the job";
        try
        {
            var attempt = Job.Attempts;
            var free = Job.HandBacks < MaxFreeHandBacks; // as for a stopping host: a job cannot loop on hand-backs forever
            var handedBack = await EndAsync(JobStatus.Retrying,
                $"Attempt {attempt} stopped: its worker {why}. {(free ? "The attempt does not count" : "This attempt counts")}, and the job will run again.", j =>
                {
                    j.HandBacks++;
                    j.Attempts = free ? Math.Max(0, attempt - 1) : attempt;
                    j.Error = null;
                    j.NextAttemptAt = _jobs.Now;
                }, _hostStopping.IsCancellationRequested ? ShutdownPatience : null);
            if (handedBack is null)
                return;
            await _patience.RunAsync(() => _queue.EnqueueAsync(_queueName, Job.Id, CancellationToken.None), CancellationToken.None);
            LogFencedHandedBack(_logger, attempt);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            LogHandBackFailed(_logger, ex);
        }
    }

    private async Task StopHeartbeatAsync()
    {
        _fence.Disarm();
        if (!_heartbeatStop.IsCancellationRequested)
            await _heartbeatStop.CancelAsync();
        await _heartbeat;
    }

    /// <summary>A run that ended without a move (an unexpected error) gives its lease up, so the next delivery can start at once.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopHeartbeatAsync();
        await _fence.DisposeAsync(); // waits for a tripping fence's callback, which starts _fencing
        await _fencing;
        if (Fenced && !_ended && !Cancelled && !Lost) // the heartbeat may have learned already that the job moved on
        {
            await HandBackAsync();
        }
        else if (!_ended && !Interrupted)
        {
            try
            {
                await _jobs.TryUpdateAsync(Job, j => j.LeaseExpiresAt = _jobs.Now, CancellationToken.None);
            }
            catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
            {
                LogHandBackFailed(_logger, ex);
            }
        }

        _work.Dispose();
        _heartbeatStop.Dispose();
    }

    /// <summary>How many times a job may be handed back by a stopping host without the attempt counting.</summary>
    public const int MaxFreeHandBacks = 3;

    /// <summary>How long a stopping host waits for storage to hand its job back: well inside its shutdown window (30 s by default).</summary>
    public static readonly TimeSpan ShutdownPatience = TimeSpan.FromSeconds(10);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Information, Message = "The host is stopping: the job is handed back, attempt {Attempt} {Counted}")]
    private static partial void LogHandedBack(ILogger logger, int attempt, string counted);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Warning, Message = "The watchdog's check could not be queued ({Reason}); the next heartbeat tries again")]
    private static partial void LogWatchNotSent(ILogger logger, string reason);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "The job was cancelled while it ran; its work stops")]
    private static partial void LogCancelled(ILogger logger);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "Could not renew the job's lease; the work goes on: {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1050, Level = LogLevel.Warning,
        Message = "The run could not renew the lease for {Seconds:0.0} s; stopped so that another worker may take the job (lease {LeaseSeconds:0.#} s)")]
    private static partial void LogFenced(ILogger logger, double seconds, double leaseSeconds);

    [LoggerMessage(EventId = 1051, Level = LogLevel.Information, Message = "The job this run stopped on is handed back and queued again, attempt {Attempt} not counted")]
    private static partial void LogFencedHandedBack(ILogger logger, int attempt);

    [LoggerMessage(EventId = 1052, Level = LogLevel.Warning, Message = "Could not ask the watchdog to look at the job this run stopped on: {Reason}")]
    private static partial void LogFenceWatchdogFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Warning, Message = "Could not hand the job back; its lease will run out instead")]
    private static partial void LogHandBackFailed(ILogger logger, Exception exception);
}
