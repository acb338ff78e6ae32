namespace Offload.Jobs;

/// <summary>
/// A running job's own check that it still holds its lease (fencing). A worker that cannot renew (storage unreachable
/// from it, its network cut, the process starved) does not know whether another worker has the job yet; the watchdog
/// gives the job away no earlier than the lease's end plus <see cref="WatchdogHandler.Grace"/>. So the run stops its
/// work once, by its own monotonic clock, <see cref="StopAfter"/> (the lease less one heartbeat) has passed since the
/// start of its last renewal that was stored: before anyone else can have claimed the job, whatever the wall clocks say.
/// </summary>
/// <remarks>
/// Measured from when the renewal was <em>sent</em>: the row's lease end is computed before the request goes, so
/// the lease the table holds never ends later than the fence thinks. The clock is <see cref="TimeProvider.GetTimestamp"/>,
/// which a changed wall clock does not move. The timer is armed for the deadline and re-armed by every renewal, not
/// checked by the heartbeat loop: a renewal that hangs in the storage client (retries, a 100-second network
/// timeout) must not delay the fence.
/// </remarks>
public sealed class LeaseFence : IAsyncDisposable
{
    private readonly TimeProvider _clock;
    private readonly Action<TimeSpan> _onTripped;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();
    private long _renewedAt;
    private TimeSpan _ageAtRenewal;
    private bool _tripped;
    private bool _disarmed;

    /// <param name="clock">The monotonic clock.</param>
    /// <param name="options">The lease and heartbeat.</param>
    /// <param name="leaseLeft">How long the lease the claim wrote has left now (its end less this machine's time).</param>
    /// <param name="onTripped">Called once, on a timer thread, with the time since the last renewal, when the run must stop.</param>
    public LeaseFence(TimeProvider clock, JobOptions options, TimeSpan leaseLeft, Action<TimeSpan> onTripped)
    {
        (_clock, _onTripped) = (clock, onTripped);
        StopAfter = StopAfterFor(options);
        _renewedAt = clock.GetTimestamp();
        _ageAtRenewal = Clamp(options.LeaseDuration - leaseLeft, options.LeaseDuration);
        _timer = clock.CreateTimer(_ => Check(), null, Left(), Timeout.InfiniteTimeSpan);
    }

    /// <summary>How long after its last renewal a run stops: the lease less a safety margin of one heartbeat.</summary>
    public TimeSpan StopAfter { get; }

    /// <summary>The run had to stop.</summary>
    public bool Tripped
    {
        get
        {
            lock (_lock)
                return _tripped;
        }
    }

    /// <summary>The lease less one heartbeat (at least two heartbeats, as the lease is at least three).</summary>
    public static TimeSpan StopAfterFor(JobOptions options) => options.LeaseDuration - options.HeartbeatInterval;

    /// <summary>The decision: a run that last renewed <paramref name="sinceRenewal"/> ago must stop.</summary>
    public static bool MustStop(TimeSpan sinceRenewal, TimeSpan stopAfter) => sinceRenewal >= stopAfter;

    /// <summary>A renewal that was sent at <paramref name="sentAt"/> (a <see cref="TimeProvider.GetTimestamp"/>) is stored.</summary>
    public void Renewed(long sentAt)
    {
        lock (_lock)
        {
            if (_tripped || _disarmed || sentAt <= _renewedAt)
                return;
            (_renewedAt, _ageAtRenewal) = (sentAt, TimeSpan.Zero);
            _timer.Change(Left(), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The run is ending with an outcome of its own (or gave up already): nothing left to stop.</summary>
    public void Disarm()
    {
        lock (_lock)
        {
            _disarmed = true;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private void Check()
    {
        TimeSpan since;
        lock (_lock)
        {
            if (_tripped || _disarmed)
                return;
            since = SinceRenewal();
            if (!MustStop(since, StopAfter))
            {
                _timer.Change(Left(), Timeout.InfiniteTimeSpan); // renewed meanwhile
                return;
            }

            _tripped = true;
        }

        _onTripped(since);
    }

    private TimeSpan SinceRenewal() => _clock.GetElapsedTime(_renewedAt) + _ageAtRenewal;

    private TimeSpan Left() => Clamp(StopAfter - SinceRenewal(), StopAfter);

    private static TimeSpan Clamp(TimeSpan value, TimeSpan max) => value < TimeSpan.Zero ? TimeSpan.Zero : value > max ? max : value;

    public ValueTask DisposeAsync() => _timer.DisposeAsync();
}
