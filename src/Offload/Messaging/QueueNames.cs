using Offload.Jobs;

namespace Offload.Messaging;

/// <summary>
/// The dedicated queues. The trigger attributes of both hosts and the senders use these constants,
/// so a queue cannot be renamed in one place only.
/// </summary>
public static class QueueNames
{
    /// <summary>Slow, CPU-heavy work (video encodes), few at a time.</summary>
    public const string HeavyCompute = "heavy-compute";

    /// <summary>Short, urgent work (emails), many at a time.</summary>
    public const string HighPriority = "high-priority";

    /// <summary>
    /// Checks on running jobs: is the worker still renewing its lease? Kept apart from the work queues so a check
    /// never waits behind an encode, and never makes the encoder scale out just to read it.
    /// </summary>
    public const string Watchdog = "watchdog";

    /// <summary>Where the listener moves a heavy-compute message after its last delivery (a constant for trigger attributes).</summary>
    public const string HeavyComputePoison = HeavyCompute + "-poison";

    public const string HighPriorityPoison = HighPriority + "-poison";

    public const string WatchdogPoison = Watchdog + "-poison";

    /// <summary>The work queues, each served by its own worker with its own concurrency.</summary>
    public static IReadOnlyList<string> All { get; } = [HeavyCompute, HighPriority];

    /// <summary>Every queue the application uses, poison queues included (created at start-up and by infra/).</summary>
    public static IReadOnlyList<string> Everything { get; } =
        [HeavyCompute, HeavyComputePoison, HighPriority, HighPriorityPoison, Watchdog, WatchdogPoison];

    /// <summary>The queue the trigger moves a message to after its last delivery.</summary>
    public static string PoisonOf(string queue) => queue + "-poison";

    /// <summary>The work queue that carries jobs of <paramref name="kind"/>.</summary>
    public static string For(string kind) => kind switch
    {
        JobKinds.Video => HeavyCompute,
        JobKinds.Email => HighPriority,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No queue carries this kind of job."),
    };
}
