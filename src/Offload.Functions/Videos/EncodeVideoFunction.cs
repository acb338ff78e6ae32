using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Offload.Messaging;
using Offload.Storage;
using Offload.Videos;

namespace Offload.Functions.Videos;

/// <summary>heavy-compute → <see cref="EncodeVideoHandler"/>. The server runs the same handler from its WebJobs twin.</summary>
public sealed class EncodeVideoFunction(EncodeVideoHandler handler)
{
    [Function(nameof(EncodeVideoFunction))]
    public Task RunAsync(
        [QueueTrigger(QueueNames.HeavyCompute, Connection = StorageNames.ConnectionName)] QueueMessage message,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(new EncodeVideoCommand(message.Body.ToString(), message.DequeueCount), cancellationToken);
}
