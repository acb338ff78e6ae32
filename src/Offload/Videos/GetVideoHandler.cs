using Offload.Access;
using Offload.Jobs;
using Offload.Videos.Pictures;

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
    /// <summary>For a video split into parts (a long one): how many, and how many have succeeded.</summary>
    public SplitView? Split { get; init; }

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
                    VideoRoutes.OutputPath(job.Id))
                {
                    Poster = output.Pictures is { } p ? PictureView.From(p.Poster, VideoRoutes.PosterPath(job.Id)) : null,
                    Thumbnails = output.Pictures?.Thumbnails.Select((t, i) => PictureView.From(t, VideoRoutes.PicturePath(job.Id, VideoPictures.ThumbnailName(i + 1)))).ToList(),
                    Storyboard = output.Pictures?.Storyboard is { } s ? StoryboardView.From(job.Id, s) : null,
                },
            history.Select(JobEventView.From).ToList())
        {
            Split = job.PartCount > 0 ? new SplitView(job.PartCount, JobParts.SucceededCount(job)) : null,
        };
    }
}

/// <summary>A split video's parts (its video in ranges, and its audio): encoded as jobs of their own, on any worker.</summary>
public sealed record SplitView(int Parts, int Succeeded);

public sealed record VideoSourceView(string? FileName, string ContentType, long SizeBytes);

public sealed record VideoOutputView(
    long SizeBytes, double DurationSeconds, int Width, int Height, string VideoCodec, string? AudioCodec, string Url)
{
    /// <summary>A JPEG at the output's size, for the player to show before it starts.</summary>
    public PictureView? Poster { get; init; }

    public IReadOnlyList<PictureView>? Thumbnails { get; init; }

    /// <summary>Tiles on one sprite, and the WebVTT that maps time ranges to them (hover previews).</summary>
    public StoryboardView? Storyboard { get; init; }
}

/// <summary>
/// A picture of the video: <see cref="Url"/> redirects to a short-lived read-only link to the JPEG; a thumbnail says
/// which time of the video it shows.
/// </summary>
public sealed record PictureView(string Url, int Width, int Height, double? AtSeconds)
{
    public static PictureView From(Picture picture, string url) => new(url, picture.Width, picture.Height, picture.AtSeconds);
}

/// <summary>
/// A storyboard: <see cref="Url"/> is its WebVTT (each cue a time range and <c>sprite-url#xywh=x,y,w,h</c>, the sprite's
/// link made fresh on each request), <see cref="ImageUrl"/> the sprite itself.
/// </summary>
public sealed record StoryboardView(string Url, string ImageUrl, int Tiles, int Columns, int TileWidth, int TileHeight, double IntervalSeconds)
{
    public static StoryboardView From(string id, Storyboard storyboard) => new(
        VideoRoutes.PicturePath(id, VideoPictures.StoryboardVttName), VideoRoutes.PicturePath(id, VideoPictures.StoryboardImageName),
        storyboard.Tiles, storyboard.Columns, storyboard.TileWidth, storyboard.TileHeight, storyboard.IntervalSeconds);
}

/// <summary>
/// Reads one video job with its history; <c>null</c> when the caller has none with that id. A video waiting for its
/// parts shows their progress, each weighted by its frames (<see cref="JobParts.ProgressOf"/>).
/// </summary>
public sealed class GetVideoHandler(JobStore jobs, JobParts parts)
{
    public async Task<VideoJobView?> HandleAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var job = await jobs.FindAsync(id, VideoJob.Kind, caller, cancellationToken);
        if (job is null)
            return null;
        if (job.Status == JobStatus.Waiting)
            job.Progress = JobParts.ProgressOf(await parts.ReadAsync(job, cancellationToken));
        return VideoJobView.From(job, await jobs.GetHistoryAsync(id, cancellationToken));
    }
}
