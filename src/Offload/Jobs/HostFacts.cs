namespace Offload.Jobs;

/// <summary>
/// What the host running the app imposes on it, set by the host (the server from its host.json and listener, the
/// Functions host from its host.json), never read by the application from the host's files.
/// </summary>
public sealed class HostFacts
{
    /// <summary>
    /// How long the queue listener keeps a delivered message invisible (renewed while the function runs): the
    /// WebJobs queue extension's fixed 10 minutes, in both hosts. A message whose delivery fails comes back after it.
    /// </summary>
    public TimeSpan MessageHold { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The host's <c>functionTimeout</c>, when it has one: it ends a function that runs longer.</summary>
    public TimeSpan? FunctionTimeout { get; set; }

    /// <summary>The work queues this process listens to, when the host knows them (the server's <c>--queues</c>); <c>null</c>: its app's.</summary>
    public IReadOnlyList<string>? ServedQueues { get; set; }
}
