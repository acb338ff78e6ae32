using Azure;
using Offload.Jobs;
using Offload.Messaging;

namespace Offload.Videos;

/// <summary>
/// The source stored at <c>uploads/{id}</c>, as the job records it; <paramref name="Snapshot"/> pins the version a
/// direct upload's submit checked (the encoder reads only that one).
/// </summary>
public sealed record VideoSource(string Owner, string? FileName, string ContentType, long SizeBytes, string? Notify, string? Snapshot = null);

/// <summary>
/// Writes the video job for a stored source and puts its id on <c>heavy-compute</c>: the last step of both ways in
/// (POST /api/videos and direct upload + submit). Once only: a second call for the same id returns the job as it is,
/// and sends its message again while it is still queued (a duplicate message is harmless). Once the row is stored
/// the job is accepted: a message that cannot be sent now is the sweeper's to send.
/// </summary>
public sealed class QueueVideoJob(JobStore jobs, JobQueue queue)
{
    public async Task<(Job Job, bool Created)> HandleAsync(string id, VideoSource source, CancellationToken cancellationToken)
    {
        var job = Job.New(id, VideoJob.Kind, source.Owner, jobs.Now, new VideoPayload(
            source.FileName is null ? null : Path.GetFileName(source.FileName), source.ContentType, source.SizeBytes, source.Notify, source.Snapshot));
        try
        {
            await jobs.CreateAsync(job, $"Accepted: {source.SizeBytes} bytes of {source.ContentType}.", cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = (await jobs.GetAsync(id, cancellationToken))!;
            if (existing.Status == JobStatus.Queued)
                await queue.DispatchAsync(existing, cancellationToken);
            return (existing, false);
        }

        await queue.DispatchAsync(job, cancellationToken);
        return (job, true);
    }
}
