using System.Diagnostics;
using Azure.Storage.Queues;
using Offload.Telemetry;

namespace Offload.Messaging;

/// <summary>
/// Puts job ids on the dedicated queues (Base64, as the triggers expect: see StorageClients), with the sender's trace
/// context, so the worker's span joins the trace of the request (or the delivery) that queued the job.
/// </summary>
public sealed class JobQueue(QueueServiceClient queues)
{
    /// <summary>Puts the id on <paramref name="queue"/>, invisible for <paramref name="delay"/> (a retry's backoff).</summary>
    public async Task EnqueueAsync(string queue, string jobId, CancellationToken cancellationToken, TimeSpan? delay = null, string? seen = null)
    {
        using var send = JobTracing.StartSend(queue, jobId);
        var message = JobMessage.For(jobId, seen).WithTraceContext(send ?? Activity.Current);
        try
        {
            await queues.GetQueueClient(queue).SendMessageAsync(message.ToJson(), visibilityTimeout: delay, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (send.Failed(ex))
        {
            throw; // never reached: the filter only records the failure on the span
        }
    }

    /// <summary>
    /// Moves a message that can never be processed (malformed, unknown job) to the queue's poison queue
    /// as it came, so a person can look at it; the caller then completes the original.
    /// </summary>
    public async Task DeadLetterAsync(string queue, string body, CancellationToken cancellationToken)
    {
        var poison = queues.GetQueueClient(QueueNames.PoisonOf(queue));
        await poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await poison.SendMessageAsync(body, cancellationToken);
    }
}
