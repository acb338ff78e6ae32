using Microsoft.Azure.WebJobs;
using Offload.Jobs;
using Offload.Messaging;

namespace Offload.Server.Queues;

/// <summary>heavy-compute-poison → <see cref="HandleDeadLetter"/>. The WebJobs twin of the Functions host's EncodeVideoDeadLetterFunction.</summary>
public sealed class EncodeVideoDeadLetterTrigger(HandleDeadLetter handler)
{
    [FunctionName("EncodeVideoDeadLetterFunction")]
    public Task RunAsync([QueueTrigger(QueueNames.HeavyComputePoison)] string message, long dequeueCount, CancellationToken cancellationToken) =>
        handler.HandleAsync(new DeadLetterCommand(QueueNames.HeavyCompute, message, dequeueCount), cancellationToken);
}

/// <summary>high-priority-poison → <see cref="HandleDeadLetter"/>. The WebJobs twin of the Functions host's SendEmailDeadLetterFunction.</summary>
public sealed class SendEmailDeadLetterTrigger(HandleDeadLetter handler)
{
    [FunctionName("SendEmailDeadLetterFunction")]
    public Task RunAsync([QueueTrigger(QueueNames.HighPriorityPoison)] string message, long dequeueCount, CancellationToken cancellationToken) =>
        handler.HandleAsync(new DeadLetterCommand(QueueNames.HighPriority, message, dequeueCount), cancellationToken);
}
