namespace Offload.Messaging;

/// <summary>
/// Queue names as constants, for the trigger attributes of both hosts (an attribute takes only constants). The work
/// queues are declared in <see cref="WorkQueues"/> (queues.json); a test holds these constants to it.
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

    /// <summary>The queue the trigger moves a message to after its last delivery.</summary>
    public static string PoisonOf(string queue) => queue + "-poison";
}
