using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Functions.Queues;

/// <summary>watchdog → <see cref="WatchdogHandler"/>: brings back the jobs of workers that died.</summary>
public sealed class WatchdogFunction(WatchdogHandler handler)
{
    [Function(nameof(WatchdogFunction))]
    public Task RunAsync(
        [QueueTrigger(QueueNames.Watchdog, Connection = StorageNames.ConnectionName)] QueueMessage message,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(new WatchdogCommand(message.Body.ToString()), cancellationToken);
}
