using Offload.Access;
using Offload.Jobs;

namespace Offload.Videos;

/// <summary>A video job as the API shows it (JSON in camelCase; absent values are left out).</summary>
public sealed record VideoJobView(
    string Id,
    string Status,
    int Progress,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? NextAttemptAt,
    string? Error,
    VideoSourceView Source,
    VideoOutputView? Output,
    IReadOnlyList<JobEventView> Events)
{
    public static VideoJobView From(Job job, IEnumerable<JobEvent> history) => new(
        job.Id, job.Status, job.Progress, job.Attempts, job.CreatedAt, job.UpdatedAt, job.StartedAt, job.CompletedAt,
        job.Status == JobStatus.Retrying ? job.NextAttemptAt : null, job.Error,
        new VideoSourceView(job.SourceFileName, job.SourceContentType, job.SourceSizeBytes),
        job.Status == JobStatus.Succeeded
            ? new VideoOutputView(
                job.OutputSizeBytes ?? 0, job.OutputDurationSeconds ?? 0, job.OutputWidth ?? 0, job.OutputHeight ?? 0,
                job.OutputVideoCodec ?? "", job.OutputAudioCodec, VideoRoutes.OutputPath(job.Id))
            : null,
        history.Select(JobEventView.From).ToList());
}

public sealed record VideoSourceView(string? FileName, string ContentType, long SizeBytes);

public sealed record VideoOutputView(
    long SizeBytes, double DurationSeconds, int Width, int Height, string VideoCodec, string? AudioCodec, string Url);

/// <summary>Reads one video job with its history; <c>null</c> when the caller has none with that id.</summary>
public sealed class GetVideoHandler(JobStore jobs)
{
    public async Task<VideoJobView?> HandleAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var job = await jobs.FindAsync(id, JobKinds.Video, caller, cancellationToken);
        return job is null ? null : VideoJobView.From(job, await jobs.GetHistoryAsync(id, cancellationToken));
    }
}
