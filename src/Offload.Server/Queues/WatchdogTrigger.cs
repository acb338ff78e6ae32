using Microsoft.Azure.WebJobs;
using Offload.Jobs;
using Offload.Messaging;

namespace Offload.Server.Queues;

/// <summary>watchdog → <see cref="WatchdogHandler"/>. The WebJobs twin of the Functions host's WatchdogFunction.</summary>
public sealed class WatchdogTrigger(WatchdogHandler handler)
{
    [FunctionName("WatchdogFunction")]
    public Task RunAsync([QueueTrigger(QueueNames.Watchdog)] string message, CancellationToken cancellationToken) =>
        handler.HandleAsync(new WatchdogCommand(message), cancellationToken);
}

/// <summary>watchdog-poison → <see cref="DeadLetterHandler"/>. The WebJobs twin of the Functions host's WatchdogDeadLetterFunction.</summary>
public sealed class WatchdogDeadLetterTrigger(DeadLetterHandler handler)
{
    [FunctionName("WatchdogDeadLetterFunction")]
    public Task RunAsync(
        [QueueTrigger(QueueNames.WatchdogPoison)] string message, long dequeueCount, string id, DateTimeOffset insertionTime, CancellationToken cancellationToken) =>
        handler.HandleAsync(new DeadLetterCommand(QueueNames.Watchdog, message, dequeueCount, id, insertionTime), cancellationToken);
}
