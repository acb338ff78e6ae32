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

    /// <summary>Where the listener moves a heavy-compute message after its last delivery (a constant for trigger attributes).</summary>
    public const string HeavyComputePoison = HeavyCompute + "-poison";

    public const string HighPriorityPoison = HighPriority + "-poison";

    public static IReadOnlyList<string> All { get; } = [HeavyCompute, HighPriority];

    /// <summary>The queue the trigger moves a message to after its last delivery.</summary>
    public static string PoisonOf(string queue) => queue + "-poison";
}
