using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Functions.Queues;

/// <summary>heavy-compute-poison → <see cref="DeadLetterHandler"/>: no job of that queue outlives its dead message.</summary>
public sealed class HeavyComputeDeadLetterFunction(DeadLetterHandler handler)
{
    [Function(nameof(HeavyComputeDeadLetterFunction))]
    public Task RunAsync(
        [QueueTrigger(QueueNames.HeavyComputePoison, Connection = StorageNames.ConnectionName)] QueueMessage message,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(new DeadLetterCommand(QueueNames.HeavyCompute, message.Body.ToString(), message.DequeueCount, message.MessageId, message.InsertedOn), cancellationToken);
}

/// <summary>high-priority-poison → <see cref="DeadLetterHandler"/>: no job of that queue outlives its dead message.</summary>
public sealed class HighPriorityDeadLetterFunction(DeadLetterHandler handler)
{
    [Function(nameof(HighPriorityDeadLetterFunction))]
    public Task RunAsync(
        [QueueTrigger(QueueNames.HighPriorityPoison, Connection = StorageNames.ConnectionName)] QueueMessage message,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(new DeadLetterCommand(QueueNames.HighPriority, message.Body.ToString(), message.DequeueCount, message.MessageId, message.InsertedOn), cancellationToken);
}

/// <summary>webhooks-poison → <see cref="DeadLetterHandler"/>: no delivery outlives its dead message.</summary>
public sealed class WebhooksDeadLetterFunction(DeadLetterHandler handler)
{
    [Function(nameof(WebhooksDeadLetterFunction))]
    public Task RunAsync(
        [QueueTrigger(QueueNames.WebhooksPoison, Connection = StorageNames.ConnectionName)] QueueMessage message,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(new DeadLetterCommand(QueueNames.Webhooks, message.Body.ToString(), message.DequeueCount, message.MessageId, message.InsertedOn), cancellationToken);
}

/// <summary>watchdog-poison → <see cref="DeadLetterHandler"/>: a dead check is logged; its job keeps its own message.</summary>
public sealed class WatchdogDeadLetterFunction(DeadLetterHandler handler)
{
    [Function(nameof(WatchdogDeadLetterFunction))]
    public Task RunAsync(
        [QueueTrigger(QueueNames.WatchdogPoison, Connection = StorageNames.ConnectionName)] QueueMessage message,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(new DeadLetterCommand(QueueNames.Watchdog, message.Body.ToString(), message.DequeueCount, message.MessageId, message.InsertedOn), cancellationToken);
}
