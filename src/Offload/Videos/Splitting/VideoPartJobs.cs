using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Storage;

namespace Offload.Videos.Splitting;

/// <summary>
/// The kinds of work a split video is made of (<see cref="JobParts"/>): <c>video-part</c>, the frames of one range of
/// the source's video, and <c>video-audio</c>, the source's whole audio, each a job of its own on
/// <c>heavy-compute</c>. Neither has a route or events: the video job is what its owner sees.
/// </summary>
public static class VideoPartJobs
{
    public const string PartKind = "video-part";
    public const string AudioKind = "video-audio";

    /// <summary>How long a link to the source lasts: an encode's time limit, with a margin.</summary>
    public static TimeSpan LinkLifetime(EncodingOptions options) => options.TimeLimit + TimeSpan.FromMinutes(15);
}

/// <summary>
/// Where a part reads the video's source: the upload (its snapshot for a direct upload), by a short-lived read link, with
/// the demuxer the video's probe found (<see cref="EncodeInput"/>).
/// </summary>
public sealed record PartSource(string VideoId, string? Snapshot, string Format, double StartTimeSeconds, double DurationSeconds)
{
    /// <summary>What ffmpeg needs to know of the source for a part (its length, for the storyboard's keyframes; its start time).</summary>
    public MediaInfo Info => new(TimeSpan.FromSeconds(DurationSeconds), 0, 0, "", null, null, 0) { Format = Format, StartTime = TimeSpan.FromSeconds(StartTimeSeconds) };
}

/// <summary>
/// A <c>video-part</c> job: the frames <see cref="VideoPart.FirstFrame"/> on of the source, from the keyframe at
/// <see cref="VideoPart.Start"/>, and what the stitched whole is held to (<see cref="SourceFigures"/>).
/// </summary>
public sealed record VideoPartPayload(PartSource Source, VideoPart Part, SourceFigures Figures, bool HasAudio) : IJobPayload
{
    public static int Version => 1;
}

/// <summary>
/// A <c>video-audio</c> job: the source's first audio stream, whole, which the video's plan copied out of the source to
/// <paramref name="StreamBlob"/> (in outputs, read with the <paramref name="StreamFormat"/> demuxer), so the audio part
/// reads the audio alone, not the whole source.
/// </summary>
public sealed record VideoAudioPayload(PartSource Source, string StreamBlob, string StreamFormat) : IJobPayload
{
    public static int Version => 1;
}

/// <summary>What a part made: its blob (<see cref="StorageNames.PartBlobName"/>) and its size.</summary>
public sealed record EncodedPiece(string BlobName, long SizeBytes);

/// <summary>Signs the read link a part's ffmpeg reads the source by.</summary>
public sealed class PartSourceLinks(BlobServiceClient blobs, BlobLinks links, IOptions<EncodingOptions> options)
{
    public Task<EncodeInput> LinkAsync(PartSource source, CancellationToken cancellationToken)
    {
        var blob = blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(StorageNames.SourceBlobName(source.VideoId));
        return LinkAsync(source.Snapshot is { } snapshot ? blob.WithSnapshot(snapshot) : blob, source.Format, cancellationToken);
    }

    /// <summary>A link to the audio stream a video's plan copied out (<see cref="VideoAudioPayload.StreamBlob"/>).</summary>
    public Task<EncodeInput> AudioLinkAsync(VideoAudioPayload payload, CancellationToken cancellationToken) =>
        LinkAsync(blobs.GetBlobContainerClient(StorageNames.OutputsContainer).GetBlobClient(payload.StreamBlob), payload.StreamFormat, cancellationToken);

    private async Task<EncodeInput> LinkAsync(BlobClient blob, string format, CancellationToken cancellationToken)
    {
        var (url, _) = await links.CreateAsync(blob, BlobSasPermissions.Read, VideoPartJobs.LinkLifetime(options.Value), null, cancellationToken);
        return EncodeInput.Link(url, format);
    }
}

/// <summary>
/// The work of a <c>video-part</c> job: encodes its frames of the source's video, read by link (ffmpeg reads the
/// ranges it needs, not the whole file), with the settings of a single pass, and uploads them under a name of this
/// run's own. Idempotent as every encode is: a run that is not the result deletes its upload.
/// </summary>
public sealed partial class EncodePartHandler(
    EncodeWork work, PartSourceLinks links, VideoEncoder encoder, IOptions<EncodingOptions> options, ILogger<EncodePartHandler> logger)
    : IJobHandler<VideoPartPayload>
{
    public Task<JobResult> RunAsync(VideoPartPayload payload, JobContext context, CancellationToken cancellationToken) =>
        work.RunAsync(context, async (folder, token) =>
        {
            var part = payload.Part;
            var source = await links.LinkAsync(payload.Source, token);
            var output = Path.Combine(folder, "part.mp4");
            await encoder.EncodePartAsync(source, payload.Source.Info, part, part.Length(payload.Figures), output, context.ReportProgress, token);
            var size = new FileInfo(output).Length;
            // ffmpeg stops writing at -fs: a part that reached it was cut short, and the video is over its output limit.
            if (size >= options.Value.MaxOutputBytes)
                throw new PermanentJobException($"Part {part.Index + 1} reached the output limit of {options.Value.MaxOutputBytes / 1048576.0:0.#} MB (Encoding:MaxOutputBytes).");
            var blobName = StorageNames.PartBlobName(payload.Source.VideoId, context.JobId, context.RunId, "mp4");
            var delete = await work.UploadAsync([new Upload(blobName, output, "video/mp4")], token);
            LogEncoded(logger, part.Index + 1, part.Frames, size);
            return new JobResult($"Encoded part {part.Index + 1}: {part.Frames} frames from {part.Start.TotalSeconds:0.000} s, {size} bytes.", new EncodedPiece(blobName, size))
            {
                Discard = delete,
            };
        }, cancellationToken);

    [LoggerMessage(EventId = 2130, Level = LogLevel.Information, Message = "Part {Part} encoded: {Frames} frames, {SizeBytes} bytes")]
    private static partial void LogEncoded(ILogger logger, int part, int frames, long sizeBytes);
}

/// <summary>
/// The work of a <c>video-audio</c> job: the source's audio as AAC, encoded once for the whole video (never cut: no
/// priming gap at the joins), read by link from the stream the plan copied out, uploaded under a name of this run's own.
/// </summary>
public sealed partial class EncodeAudioHandler(EncodeWork work, PartSourceLinks links, SplitEncoder splitter, IOptions<EncodingOptions> options, ILogger<EncodeAudioHandler> logger)
    : IJobHandler<VideoAudioPayload>
{
    public Task<JobResult> RunAsync(VideoAudioPayload payload, JobContext context, CancellationToken cancellationToken) =>
        work.RunAsync(context, async (folder, token) =>
        {
            var source = await links.AudioLinkAsync(payload, token);
            var output = Path.Combine(folder, "audio.m4a");
            await splitter.EncodeAudioAsync(source, options.Value.AudioBitrateKbps, output, token);
            var size = new FileInfo(output).Length;
            var blobName = StorageNames.PartBlobName(payload.Source.VideoId, context.JobId, context.RunId, "m4a");
            var delete = await work.UploadAsync([new Upload(blobName, output, "audio/mp4")], token);
            LogEncoded(logger, size);
            return new JobResult($"Encoded the audio: {size} bytes.", new EncodedPiece(blobName, size)) { Discard = delete };
        }, cancellationToken);

    [LoggerMessage(EventId = 2131, Level = LogLevel.Information, Message = "Audio encoded: {SizeBytes} bytes")]
    private static partial void LogEncoded(ILogger logger, long sizeBytes);
}
