using System.Diagnostics;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Offload.Jobs;
using Offload.Storage;
using Offload.Telemetry;

namespace Offload.Messaging;

/// <summary>
/// Puts job ids on the dedicated queues (Base64, as the triggers expect: see StorageClients), with the sender's trace
/// context, so the worker's span joins the trace of the request (or the delivery) that queued the job.
/// </summary>
public sealed partial class JobQueue(QueueServiceClient queues, JobKinds kinds, JobStore jobs, ILogger<JobQueue> logger)
{
    /// <summary>
    /// Stores a new job and sends its id to its work queue; once only, by its id: when a job with that id exists (an
    /// earlier call made it: a repeated request, a notification told twice) that job is returned as it is, and its
    /// message is sent again while it is still queued (the earlier call may have died before sending it; a duplicate
    /// message is harmless). Once the row is stored the job is accepted: a message that cannot be sent now is the
    /// sweeper's to send.
    /// </summary>
    /// <exception cref="ShardRowChangedException">The <paramref name="alongside"/> row had changed: nothing was stored.</exception>
    public async Task<(Job Job, bool Created)> SubmitAsync(Job job, string reason, CancellationToken cancellationToken, ShardRow? alongside = null)
    {
        try
        {
            await jobs.CreateAsync(job, reason, cancellationToken, alongside);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = (await jobs.GetAsync(job.Id, cancellationToken))!;
            if (existing.Status == JobStatus.Queued)
                await DispatchAsync(existing, cancellationToken);
            return (existing, false);
        }

        await DispatchAsync(job, cancellationToken);
        return (job, true);
    }

    /// <summary>
    /// Sends the id of a job just stored, or sent through again, to its work queue. The stored row is what counts:
    /// should the queue be unreachable now, the job stays queued and the sweeper (<see cref="JobSweeper"/>) sends its
    /// message once storage is back, so the request that stored it is accepted all the same. Returns whether the
    /// message went now.
    /// </summary>
    public async Task<bool> DispatchAsync(Job job, CancellationToken cancellationToken)
    {
        try
        {
            await EnqueueAsync(kinds.QueueOf(job.Kind), job.Id, cancellationToken);
            return true;
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            LogDispatchDeferred(logger, job.Id, ex.Message);
            return false;
        }
    }

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

    [LoggerMessage(EventId = 1016, Level = LogLevel.Warning,
        Message = "Job {JobId} is stored but its message could not be sent now; the sweeper sends it once the queue answers: {Reason}")]
    private static partial void LogDispatchDeferred(ILogger logger, string jobId, string reason);
}
