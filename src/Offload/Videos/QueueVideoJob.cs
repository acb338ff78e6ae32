using Azure;
using Microsoft.Extensions.Logging;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Videos;

/// <summary>
/// The source stored at <c>uploads/{id}</c>, as the job records it; <paramref name="Snapshot"/> pins the version a
/// direct upload's submit checked (the encoder reads only that one).
/// </summary>
public sealed record VideoSource(string Owner, string? FileName, string ContentType, long SizeBytes, string? Notify, string? Snapshot = null);

/// <summary>
/// Writes the video job for a stored source and puts its id on <c>heavy-compute</c>: the last step of both ways in
/// (POST /api/videos and direct upload + submit). Once only: a second call for the same id returns the job as it is,
/// and sends its message again while it is still queued (the first call may have died between the row and the
/// message; a duplicate message is harmless, a missing one would leave the job waiting forever).
/// </summary>
public sealed partial class QueueVideoJob(JobStore jobs, JobQueue queue, WatchdogHandler watchdog, ILogger<QueueVideoJob> logger)
{
    public async Task<(Job Job, bool Created)> HandleAsync(string id, VideoSource source, CancellationToken cancellationToken)
    {
        var job = Job.New(id, JobKinds.Video, source.Owner, jobs.Now);
        job.SourceFileName = source.FileName is null ? null : Path.GetFileName(source.FileName);
        job.SourceContentType = source.ContentType;
        job.SourceSizeBytes = source.SizeBytes;
        job.Notify = source.Notify;
        job.SourceSnapshot = source.Snapshot;
        try
        {
            await jobs.CreateAsync(job, $"Accepted: {source.SizeBytes} bytes of {source.ContentType}.", cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = (await jobs.GetAsync(id, cancellationToken))!;
            if (existing.Status == JobStatus.Queued)
                await queue.EnqueueAsync(QueueNames.HeavyCompute, id, cancellationToken);
            return (existing, false);
        }

        try
        {
            await queue.EnqueueAsync(QueueNames.HeavyCompute, id, cancellationToken);
            await watchdog.WatchQueuedAsync(job, cancellationToken);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            // Nothing is left stuck in 'queued' with no message behind it.
            const string reason = "The job could not be queued; please submit it again.";
            await jobs.TryMoveAsync(job, JobStatus.Failed, reason, j => j.Error = reason, CancellationToken.None);
            LogEnqueueFailed(logger, ex);
            throw;
        }

        return (job, true);
    }

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "The job was stored but could not be queued; it was marked failed")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception);
}
