using System.Diagnostics.Metrics;
using Offload.Jobs;
using Offload.Telemetry;

namespace Offload.Tests.Telemetry;

public sealed class JobMetricsTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly MeterListener _listener = new();
    private readonly List<(string Name, double Value, Dictionary<string, object?> Tags)> _measurements = [];

    public JobMetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Instrumentation.Name)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    // Another test class may move jobs at the same time: only this test's job kind is looked at.
    private readonly string _kind = $"kind-{Guid.NewGuid():N}";

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var all = new Dictionary<string, object?>(tags.ToArray());
        if (Equals(all.GetValueOrDefault("kind"), _kind))
            lock (_measurements)
                _measurements.Add((instrument.Name, value, all));
    }

    private Job At(string status, DateTimeOffset updated, Action<Job>? change = null)
    {
        var job = Job.New("0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3", _kind, "key:test", T0, new Offload.Videos.VideoPayload("clip.avi", "video/x-msvideo", 1));
        job.Status = status;
        job.UpdatedAt = updated;
        change?.Invoke(job);
        return job;
    }

    [Fact]
    public void AClaim_CountsAStart_AndTheWaitSinceTheJobWasQueued()
    {
        JobMetrics.Moved(At(JobStatus.Queued, T0), At(JobStatus.Processing, T0.AddSeconds(3)));

        Assert.Contains(_measurements, m => m is { Name: "offload.jobs.started", Value: 1 });
        Assert.Contains(_measurements, m => m is { Name: "offload.job.queue_wait", Value: 3 });
    }

    [Fact]
    public void AClaimOfARetry_WaitsFromItsDueTime_NeverLessThanZero()
    {
        JobMetrics.Moved(At(JobStatus.Retrying, T0, j => j.NextAttemptAt = T0.AddSeconds(10)), At(JobStatus.Processing, T0.AddSeconds(9.5)));

        Assert.Contains(_measurements, m => m is { Name: "offload.job.queue_wait", Value: 0 });
    }

    [Theory]
    [InlineData(JobStatus.Succeeded, "offload.jobs.succeeded")]
    [InlineData(JobStatus.Failed, "offload.jobs.failed")]
    [InlineData(JobStatus.Retrying, "offload.jobs.retried")]
    [InlineData(JobStatus.Cancelled, "offload.jobs.cancelled")]
    public void TheEndOfAnAttempt_CountsItsOutcome_AndItsDurationTaggedWithIt(string status, string counter)
    {
        JobMetrics.Moved(At(JobStatus.Processing, T0, j => j.StartedAt = T0), At(status, T0.AddSeconds(42)));

        Assert.Contains(_measurements, m => m.Name == counter && m.Value == 1);
        var duration = Assert.Single(_measurements, m => m.Name == "offload.job.duration");
        Assert.Equal((42.0, status), (duration.Value, duration.Tags["status"]));
    }

    [Fact]
    public void AQueuedJobCancelled_HasNoAttemptDuration()
    {
        JobMetrics.Moved(At(JobStatus.Queued, T0), At(JobStatus.Cancelled, T0.AddSeconds(1)));

        Assert.Contains(_measurements, m => m.Name == "offload.jobs.cancelled");
        Assert.DoesNotContain(_measurements, m => m.Name == "offload.job.duration");
    }

    public void Dispose() => _listener.Dispose();
}
