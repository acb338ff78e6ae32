using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Functions.Jobs;

/// <summary>heavy-compute-poison → <see cref="HandleDeadLetter"/>: no video job outlives its dead message.</summary>
public sealed class EncodeVideoDeadLetterFunction(HandleDeadLetter handler)
{
    [Function(nameof(EncodeVideoDeadLetterFunction))]
    public Task RunAsync(
        [QueueTrigger(QueueNames.HeavyComputePoison, Connection = StorageNames.ConnectionName)] QueueMessage message,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(new DeadLetterCommand(QueueNames.HeavyCompute, message.Body.ToString(), message.DequeueCount), cancellationToken);
}

/// <summary>high-priority-poison → <see cref="HandleDeadLetter"/>: no email job outlives its dead message.</summary>
public sealed class SendEmailDeadLetterFunction(HandleDeadLetter handler)
{
    [Function(nameof(SendEmailDeadLetterFunction))]
    public Task RunAsync(
        [QueueTrigger(QueueNames.HighPriorityPoison, Connection = StorageNames.ConnectionName)] QueueMessage message,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(new DeadLetterCommand(QueueNames.HighPriority, message.Body.ToString(), message.DequeueCount), cancellationToken);
}

/// <summary>watchdog-poison → <see cref="HandleDeadLetter"/>: a dead check is logged; its job keeps its own message.</summary>
public sealed class WatchdogDeadLetterFunction(HandleDeadLetter handler)
{
    [Function(nameof(WatchdogDeadLetterFunction))]
    public Task RunAsync(
        [QueueTrigger(QueueNames.WatchdogPoison, Connection = StorageNames.ConnectionName)] QueueMessage message,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(new DeadLetterCommand(QueueNames.Watchdog, message.Body.ToString(), message.DequeueCount), cancellationToken);
}
