using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Functions.Queues;

// One function per work queue (Messaging/queues.json), each running whatever kind of job arrives on it through the
// one core (JobRunner). A new kind on an existing queue needs no function; a new queue needs one here, its
// dead-letter function, and its line in infra/functions.json. The server serves the same queues with one WebJobs trigger.

/// <summary>Each work queue's function, by queue: an app serves a queue unless its function is disabled there.</summary>
public static class WorkQueueFunctions
{
    public static IReadOnlyDictionary<string, string> ByQueue { get; } = new Dictionary<string, string>
    {
        [QueueNames.HeavyCompute] = nameof(HeavyComputeFunction),
        [QueueNames.HighPriority] = nameof(HighPriorityFunction),
        [QueueNames.Webhooks] = nameof(WebhooksFunction),
    };
}

/// <summary>heavy-compute → <see cref="JobRunner"/>: the slow work (video encodes), on the encode app.</summary>
public sealed class HeavyComputeFunction(JobRunner runner)
{
    [Function(nameof(HeavyComputeFunction))]
    public Task RunAsync(
        [QueueTrigger(QueueNames.HeavyCompute, Connection = StorageNames.ConnectionName)] QueueMessage message,
        CancellationToken cancellationToken) =>
        runner.HandleAsync(new JobDelivery(QueueNames.HeavyCompute, message.Body.ToString(), message.DequeueCount), cancellationToken);
}

/// <summary>high-priority → <see cref="JobRunner"/>: the short, urgent work (emails), on the api app.</summary>
public sealed class HighPriorityFunction(JobRunner runner)
{
    [Function(nameof(HighPriorityFunction))]
    public Task RunAsync(
        [QueueTrigger(QueueNames.HighPriority, Connection = StorageNames.ConnectionName)] QueueMessage message,
        CancellationToken cancellationToken) =>
        runner.HandleAsync(new JobDelivery(QueueNames.HighPriority, message.Body.ToString(), message.DequeueCount), cancellationToken);
}

/// <summary>webhooks → <see cref="JobRunner"/>: deliveries of events to customers' endpoints, on the api app.</summary>
public sealed class WebhooksFunction(JobRunner runner)
{
    [Function(nameof(WebhooksFunction))]
    public Task RunAsync(
        [QueueTrigger(QueueNames.Webhooks, Connection = StorageNames.ConnectionName)] QueueMessage message,
        CancellationToken cancellationToken) =>
        runner.HandleAsync(new JobDelivery(QueueNames.Webhooks, message.Body.ToString(), message.DequeueCount), cancellationToken);
}
