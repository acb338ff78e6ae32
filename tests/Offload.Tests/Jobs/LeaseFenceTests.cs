using Microsoft.Extensions.Time.Testing;
using Offload.Jobs;

namespace Offload.Tests.Jobs;

public sealed class LeaseFenceTests
{
    private static readonly JobOptions Options = new() { LeaseDuration = TimeSpan.FromSeconds(5), HeartbeatInterval = TimeSpan.FromMilliseconds(500) };

    [Fact]
    public void StopAfter_IsTheLeaseLessOneHeartbeat()
    {
        Assert.Equal(TimeSpan.FromSeconds(4.5), LeaseFence.StopAfterFor(Options));
        Assert.False(LeaseFence.MustStop(TimeSpan.FromSeconds(4.49), TimeSpan.FromSeconds(4.5)));
        Assert.True(LeaseFence.MustStop(TimeSpan.FromSeconds(4.5), TimeSpan.FromSeconds(4.5)));
    }

    [Theory]
    [InlineData("00:00:00.100", "00:00:01")]
    [InlineData("00:00:00.500", "00:00:05")]
    [InlineData("00:00:02", "00:01:00")]
    [InlineData("00:01:00", "00:03:00")]
    [InlineData("00:00:20", "01:00:00")]
    public void ARunStops_BeforeTheWatchdogCanGiveItsJobAway_ForAnyValidLease(string heartbeat, string lease)
    {
        var options = new JobOptions { HeartbeatInterval = TimeSpan.Parse(heartbeat), LeaseDuration = TimeSpan.Parse(lease) };

        // The watchdog gives a job away no earlier than the lease's end plus its grace: the run has stopped a heartbeat
        // and the whole grace (at least 5 s, room for ffmpeg to die and for two machines' clocks to differ) before that.
        var lead = options.LeaseDuration + WatchdogHandler.Grace(options) - LeaseFence.StopAfterFor(options);
        Assert.True(lead >= options.HeartbeatInterval + TimeSpan.FromSeconds(5), $"{lead}");
        Assert.True(LeaseFence.StopAfterFor(options) >= 2 * options.HeartbeatInterval); // a lease is at least three heartbeats
    }

    [Fact]
    public async Task Trips_WhenNoRenewalIsStoredForTheLeaseLessAHeartbeat()
    {
        var clock = new FakeTimeProvider();
        var tripped = new List<TimeSpan>();
        await using var fence = new LeaseFence(clock, Options, Options.LeaseDuration, tripped.Add);

        clock.Advance(TimeSpan.FromSeconds(4.4));
        Assert.Empty(tripped);
        clock.Advance(TimeSpan.FromSeconds(0.1));

        Assert.Equal([TimeSpan.FromSeconds(4.5)], tripped);
        Assert.True(fence.Tripped);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Single(tripped); // once
    }

    [Fact]
    public async Task ARenewal_CountsFromWhenItWasSent_NotFromWhenItsAnswerCame()
    {
        var clock = new FakeTimeProvider();
        var tripped = new List<TimeSpan>();
        await using var fence = new LeaseFence(clock, Options, Options.LeaseDuration, tripped.Add);

        clock.Advance(TimeSpan.FromSeconds(3));
        var sent = clock.GetTimestamp();
        clock.Advance(TimeSpan.FromSeconds(1)); // the answer took a second
        fence.Renewed(sent);
        clock.Advance(TimeSpan.FromSeconds(3.4)); // 4.4 s since it was sent

        Assert.Empty(tripped);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal([TimeSpan.FromSeconds(4.5)], tripped);
    }

    [Fact]
    public async Task RenewalsKeepItFromTripping_AndAnOlderAnswerArrivingLateDoesNotMoveItBack()
    {
        var clock = new FakeTimeProvider();
        var tripped = new List<TimeSpan>();
        await using var fence = new LeaseFence(clock, Options, Options.LeaseDuration, tripped.Add);
        var first = clock.GetTimestamp();

        for (var i = 0; i < 20; i++)
        {
            clock.Advance(Options.HeartbeatInterval);
            fence.Renewed(clock.GetTimestamp());
        }

        fence.Renewed(first); // a stale answer
        clock.Advance(TimeSpan.FromSeconds(4.4));
        Assert.Empty(tripped);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Single(tripped);
    }

    [Fact]
    public async Task AClaimedLease_CountsWhatItHadUsedUpAlready()
    {
        var clock = new FakeTimeProvider();
        var tripped = new List<TimeSpan>();
        // The claim wrote its lease 2 s before the run began (a slow watchdog message, say): 3 s of it are left.
        await using var fence = new LeaseFence(clock, Options, TimeSpan.FromSeconds(3), tripped.Add);

        clock.Advance(TimeSpan.FromSeconds(2.4));
        Assert.Empty(tripped);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal([TimeSpan.FromSeconds(4.5)], tripped);
    }

    [Fact]
    public async Task Disarmed_ItNeverTrips()
    {
        var clock = new FakeTimeProvider();
        var tripped = new List<TimeSpan>();
        await using var fence = new LeaseFence(clock, Options, Options.LeaseDuration, tripped.Add);

        fence.Disarm();
        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Empty(tripped);
        Assert.False(fence.Tripped);
    }
}
