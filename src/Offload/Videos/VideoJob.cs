using Azure.Data.Tables;
using Offload.Jobs;

namespace Offload.Videos;

/// <summary>The kind of work that encodes an uploaded video to a web-playable H.264 MP4.</summary>
public static class VideoJob
{
    /// <summary>The kind's name, stored on every video job.</summary>
    public const string Kind = "video";

    /// <summary>A video job stored before payloads, with its source and output in columns of their own.</summary>
    public static (VideoPayload Payload, object? Result) FromLegacyRow(TableEntity row)
    {
        var payload = new VideoPayload(
            row.GetString("SourceFileName"), row.GetString("SourceContentType") ?? "", row.GetInt64("SourceSizeBytes") ?? 0,
            row.GetString("Notify"), row.GetString("SourceSnapshot"));
        // A job that succeeded before outputs were named per run has no blob name: its output is at the legacy name.
        var output = row.GetInt64("OutputSizeBytes") is { } size
            ? new VideoOutput(
                row.GetString("OutputBlobName")!, size, row.GetDouble("OutputDurationSeconds") ?? 0, row.GetInt32("OutputWidth") ?? 0,
                row.GetInt32("OutputHeight") ?? 0, row.GetString("OutputVideoCodec") ?? "", row.GetString("OutputAudioCodec"))
            : null;
        return (payload, output);
    }
}

/// <summary>
/// What a video job carries: the source stored at <c>uploads/{id}</c> as the upload described it, who to tell how
/// it ended, and for a direct upload the snapshot its submit checked (the encoder reads only that version).
/// </summary>
public sealed record VideoPayload(string? FileName, string ContentType, long SizeBytes, string? Notify = null, string? Snapshot = null) : IJobPayload
{
    public static int Version => 1;
}

/// <summary>
/// What an encode made, recorded by the move to <c>succeeded</c>: the output blob of the run that won
/// (<see cref="Storage.StorageNames.OutputBlobName"/>) and what ffprobe found in it.
/// </summary>
public sealed record VideoOutput(
    string? BlobName, long SizeBytes, double DurationSeconds, int Width, int Height, string VideoCodec, string? AudioCodec)
{
    /// <summary>Its poster, thumbnails and storyboard; none for a video encoded before pictures were made.</summary>
    public Pictures.VideoPictures? Pictures { get; init; }
}
