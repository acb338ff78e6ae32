using System.Diagnostics.Metrics;
using Azure;
using Azure.Storage.Queues;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Telemetry;

/// <summary>
/// <c>offload.queue.depth</c>: each queue's approximate message count (poison queues too), tagged <c>queue</c>.
/// Reading it is one storage call per queue, so a collection reports the counts last read and starts a new read
/// only when they are older than <see cref="RefreshInterval"/>: however often the exporter collects, storage sees
/// six calls per interval. Exists only while metrics are exported (an instrumentation of the meter provider).
/// </summary>
public sealed class QueueDepthGauge : IDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(15);

    private readonly QueueServiceClient _queues;
    private readonly TimeProvider _clock;
    private readonly Meter _meter;
    private IReadOnlyList<Measurement<long>> _last = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;
    private int _reading;

    public QueueDepthGauge(QueueServiceClient queues, TimeProvider clock, IMeterFactory meters)
    {
        (_queues, _clock) = (queues, clock);
        // From the factory, not the static meter: the callback holds this host's storage client, and goes with it.
        _meter = meters.Create(Instrumentation.Name);
        _meter.CreateObservableGauge("offload.queue.depth", Observe, "{message}",
            $"Approximate number of messages in the queue, read at most every {RefreshInterval.TotalSeconds:0} s");
    }

    private IEnumerable<Measurement<long>> Observe()
    {
        if (_clock.GetUtcNow() - _readAt >= RefreshInterval && Interlocked.Exchange(ref _reading, 1) == 0)
            _ = Task.Run(ReadAsync);
        return _last;
    }

    private async Task ReadAsync()
    {
        try
        {
            var counts = new List<Measurement<long>>();
            foreach (var queue in WorkQueues.Everything)
            {
                try
                {
                    var properties = await _queues.GetQueueClient(queue).GetPropertiesAsync();
                    counts.Add(new(properties.Value.ApproximateMessagesCount, new KeyValuePair<string, object?>("queue", queue)));
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    // A poison queue is made on its first dead message: no queue, nothing to report.
                }
            }

            _last = counts;
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            _last = []; // no stale numbers while storage is away
        }
        finally
        {
            _readAt = _clock.GetUtcNow();
            Volatile.Write(ref _reading, 0);
        }
    }

    public void Dispose() => _meter.Dispose();
}
