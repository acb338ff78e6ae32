using System.Text.Json;

namespace Offload.Messaging;

/// <summary>
/// A work queue as declared in <c>queues.json</c>: its name, what it is for, how many of its messages one instance
/// works on at once, and the function app that serves it in Azure. Its poison queue is <see cref="Poison"/>.
/// </summary>
public sealed record WorkQueue(string Name, string Purpose, int Concurrency, string App)
{
    public string Poison => QueueNames.PoisonOf(Name);

    /// <summary>
    /// The WebJobs listener keeps batchSize + newBatchThreshold messages in flight and fetches a new batch once at
    /// most newBatchThreshold are still running: half and half gives <paramref name="concurrency"/> at once, refilled
    /// early. infra/main.bicep computes the same for each function app.
    /// </summary>
    public static (int BatchSize, int NewBatchThreshold) ListenerSettings(int concurrency)
    {
        var batchSize = Math.Clamp((concurrency + 1) / 2, 1, 32); // the queue service hands out at most 32 per call
        return (batchSize, concurrency - batchSize);
    }
}

/// <summary>
/// The work queues, declared once in <c>Messaging/queues.json</c> (embedded), which infra/main.bicep reads too: one
/// source for each queue's concurrency and app. Each host serves a work queue with one trigger that runs whatever
/// kind of job arrives on it (<see cref="Jobs.JobRunner"/>).
/// </summary>
public static class WorkQueues
{
    public static IReadOnlyList<WorkQueue> All { get; } = Load();

    public static IReadOnlyList<string> Names { get; } = All.Select(q => q.Name).ToList();

    public static bool IsWorkQueue(string name) => All.Any(q => q.Name == name);

    /// <exception cref="ArgumentOutOfRangeException">No work queue has that name.</exception>
    public static WorkQueue Get(string name) =>
        All.SingleOrDefault(q => q.Name == name) ?? throw new ArgumentOutOfRangeException(nameof(name), name, "No work queue has this name.");

    /// <summary>Every queue the application uses, poison queues included (created at start-up and by infra/).</summary>
    public static IReadOnlyList<string> Everything { get; } =
        [.. All.SelectMany(q => new[] { q.Name, q.Poison }), QueueNames.Watchdog, QueueNames.WatchdogPoison];

    private static List<WorkQueue> Load()
    {
        using var stream = typeof(WorkQueues).Assembly.GetManifestResourceStream("Offload.Messaging.queues.json")
                           ?? throw new InvalidOperationException("queues.json is not embedded in Offload.dll.");
        using var json = JsonDocument.Parse(stream);
        return json.RootElement.GetProperty("queues").EnumerateArray()
            .Select(q => new WorkQueue(
                q.GetProperty("name").GetString()!, q.GetProperty("purpose").GetString()!,
                q.GetProperty("concurrency").GetInt32(), q.GetProperty("app").GetString()!))
            .ToList();
    }
}
