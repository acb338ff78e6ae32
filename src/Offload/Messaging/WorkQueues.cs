using System.Text.Json;

namespace Offload.Messaging;

/// <summary>
/// A work queue as declared in <c>queues.json</c>: its name, what it is for, how many of its messages one instance
/// works on at once, how long its idle listener waits at most between two polls, and the function app that serves it
/// in Azure. Its poison queue is <see cref="Poison"/>.
/// </summary>
public sealed record WorkQueue(string Name, string Purpose, int Concurrency, TimeSpan MaxPollingInterval, string App)
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

    /// <summary>How long the listeners of the watchdog and the poison queues wait at most between two polls (the server's).</summary>
    public static TimeSpan HousekeepingPolling { get; } = LoadHousekeepingPolling();

    public static bool IsWorkQueue(string name) => All.Any(q => q.Name == name);

    /// <exception cref="ArgumentOutOfRangeException">No work queue has that name.</exception>
    public static WorkQueue Get(string name) =>
        All.SingleOrDefault(q => q.Name == name) ?? throw new ArgumentOutOfRangeException(nameof(name), name, "No work queue has this name.");

    /// <summary>Every queue the application uses, poison queues included (created at start-up and by infra/).</summary>
    public static IReadOnlyList<string> Everything { get; } =
        [.. All.SelectMany(q => new[] { q.Name, q.Poison }), QueueNames.Watchdog, QueueNames.WatchdogPoison];

    private static List<WorkQueue> Load()
    {
        using var json = Read();
        return json.RootElement.GetProperty("queues").EnumerateArray()
            .Select(q => new WorkQueue(
                q.GetProperty("name").GetString()!, q.GetProperty("purpose").GetString()!,
                q.GetProperty("concurrency").GetInt32(), Interval(q), q.GetProperty("app").GetString()!))
            .ToList();
    }

    private static TimeSpan LoadHousekeepingPolling()
    {
        using var json = Read();
        return Interval(json.RootElement.GetProperty("housekeeping"));
    }

    private static TimeSpan Interval(JsonElement element) =>
        TimeSpan.Parse(element.GetProperty("maxPollingInterval").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    private static JsonDocument Read()
    {
        using var stream = typeof(WorkQueues).Assembly.GetManifestResourceStream("Offload.Messaging.queues.json")
                           ?? throw new InvalidOperationException("queues.json is not embedded in Offload.dll.");
        return JsonDocument.Parse(stream);
    }
}
