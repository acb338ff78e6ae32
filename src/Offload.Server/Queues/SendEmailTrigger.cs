using Microsoft.Azure.WebJobs;
using Offload.Email;
using Offload.Messaging;

namespace Offload.Server.Queues;

/// <summary>high-priority → <see cref="SendEmailHandler"/>. The WebJobs twin of the Functions host's SendEmailFunction.</summary>
public sealed class SendEmailTrigger(SendEmailHandler handler)
{
    [FunctionName("SendEmailFunction")]
    public Task RunAsync([QueueTrigger(QueueNames.HighPriority)] string message, long dequeueCount, CancellationToken cancellationToken) =>
        handler.HandleAsync(new SendEmailCommand(message, dequeueCount), cancellationToken);
}
