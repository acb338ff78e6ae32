using Microsoft.Azure.WebJobs;
using Offload.Messaging;
using Offload.Videos;

namespace Offload.Server.Queues;

/// <summary>heavy-compute → <see cref="EncodeVideoHandler"/>. The WebJobs twin of the Functions host's EncodeVideoFunction.</summary>
public sealed class EncodeVideoTrigger(EncodeVideoHandler handler)
{
    [FunctionName("EncodeVideoFunction")]
    public Task RunAsync([QueueTrigger(QueueNames.HeavyCompute)] string message, long dequeueCount, CancellationToken cancellationToken) =>
        handler.HandleAsync(new EncodeVideoCommand(message, dequeueCount), cancellationToken);
}
