using Offload.Jobs;

namespace Offload.Videos;

/// <summary>The kind of work that encodes an uploaded video to a web-playable H.264 MP4.</summary>
public static class VideoJob
{
    /// <summary>The kind's name, stored on every video job.</summary>
    public const string Kind = "video";
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
    string BlobName, long SizeBytes, double DurationSeconds, int Width, int Height, string VideoCodec, string? AudioCodec);
