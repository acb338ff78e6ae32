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
    public static VideoJobView From(Job job, IEnumerable<JobEvent> history)
    {
        var source = job.PayloadAs<VideoPayload>();
        var output = job.Status == JobStatus.Succeeded ? job.ResultAs<VideoOutput>() : null;
        return new VideoJobView(
            job.Id, job.Status, job.Progress, job.Attempts, job.CreatedAt, job.UpdatedAt, job.StartedAt, job.CompletedAt,
            job.Status == JobStatus.Retrying ? job.NextAttemptAt : null, job.Error,
            new VideoSourceView(source?.FileName, source?.ContentType ?? "", source?.SizeBytes ?? 0),
            output is null
                ? null
                : new VideoOutputView(output.SizeBytes, output.DurationSeconds, output.Width, output.Height, output.VideoCodec, output.AudioCodec,
                    VideoRoutes.OutputPath(job.Id)),
            history.Select(JobEventView.From).ToList());
    }
}

public sealed record VideoSourceView(string? FileName, string ContentType, long SizeBytes);

public sealed record VideoOutputView(
    long SizeBytes, double DurationSeconds, int Width, int Height, string VideoCodec, string? AudioCodec, string Url);

/// <summary>Reads one video job with its history; <c>null</c> when the caller has none with that id.</summary>
public sealed class GetVideoHandler(JobStore jobs)
{
    public async Task<VideoJobView?> HandleAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var job = await jobs.FindAsync(id, VideoJob.Kind, caller, cancellationToken);
        return job is null ? null : VideoJobView.From(job, await jobs.GetHistoryAsync(id, cancellationToken));
    }
}
