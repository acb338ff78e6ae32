using Microsoft.Azure.WebJobs;
using Offload.Jobs;

namespace Offload.Server.Queues;

/// <summary>The work queue a job host serves (each served queue has a job host of its own: <see cref="QueueTriggers"/>).</summary>
public sealed record ServedQueue(string Name)
{
    /// <summary>The setting the trigger attributes name (<c>%…%</c>), which the job host sets to its queue.</summary>
    public const string NameSetting = "OffloadServedQueue";

    public const string PoisonSetting = "OffloadServedPoisonQueue";
}

/// <summary>
/// The served work queue → <see cref="JobRunner"/>, whatever kind of job arrives on it: one trigger for every queue,
/// its name resolved per job host. The WebJobs twin of the Functions host's one function per queue.
/// </summary>
public sealed class WorkQueueTrigger(JobRunner runner, ServedQueue queue)
{
    [FunctionName(nameof(WorkQueueTrigger))]
    public Task RunAsync([QueueTrigger("%" + ServedQueue.NameSetting + "%")] string message, long dequeueCount, CancellationToken cancellationToken) =>
        runner.HandleAsync(new JobDelivery(queue.Name, message, dequeueCount), cancellationToken);
}

/// <summary>The served queue's poison queue → <see cref="DeadLetterHandler"/>: no job outlives its dead message.</summary>
public sealed class WorkQueueDeadLetterTrigger(DeadLetterHandler handler, ServedQueue queue)
{
    [FunctionName(nameof(WorkQueueDeadLetterTrigger))]
    public Task RunAsync(
        [QueueTrigger("%" + ServedQueue.PoisonSetting + "%")] string message, long dequeueCount, string id, DateTimeOffset insertionTime,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(new DeadLetterCommand(queue.Name, message, dequeueCount, id, insertionTime), cancellationToken);
}
