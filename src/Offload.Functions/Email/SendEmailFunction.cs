using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Offload.Email;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Functions.Email;

/// <summary>high-priority → <see cref="SendEmailHandler"/>. The server runs the same handler from its WebJobs twin.</summary>
public sealed class SendEmailFunction(SendEmailHandler handler)
{
    [Function(nameof(SendEmailFunction))]
    public Task RunAsync(
        [QueueTrigger(QueueNames.HighPriority, Connection = StorageNames.ConnectionName)] QueueMessage message,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(new SendEmailCommand(message.Body.ToString(), message.DequeueCount), cancellationToken);
}
