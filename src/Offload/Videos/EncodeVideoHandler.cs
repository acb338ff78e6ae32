using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Quotas;
using Offload.Storage;
using Offload.Videos.Pictures;
using Offload.Videos.Splitting;

namespace Offload.Videos;

/// <summary>
/// The work of a <c>video</c> job: downloads the source, probes it, refuses it when it is over a limit
/// (<see cref="EncodeLimits"/>: an encode bomb fails at once, never retried), encodes it to a web-playable MP4,
/// checks the result and uploads it under a name of this run's own (<see cref="StorageNames.OutputBlobName"/>), which the
/// success move records on the job. Idempotent: a redelivered message for a finished job does nothing, and every status
/// change is a compare-and-set, so two deliveries can never both win, and the loser deletes its own upload. ffmpeg
/// stops when the job is cancelled, taken over, over its time limit, the run cannot renew its lease, or the host stops.
/// </summary>
public sealed partial class EncodeVideoHandler(
    BlobServiceClient blobs,
    VideoEncoder encoder,
    SplitEncoder splitter,
    EncodeWork work,
    OwnerQuotas quotas,
    IOptions<EncodingOptions> options,
    ILogger<EncodeVideoHandler> logger) : IJobHandler<VideoPayload>
{
    private readonly EncodingOptions _options = options.Value;

    /// <summary>The most parts a video is split into.</summary>
    public const int MaxParts = 100;

    public Task<JobResult> RunAsync(VideoPayload payload, JobContext context, CancellationToken cancellationToken)
    {
        LogStarted(logger, context.Attempt, context.DequeueCount);
        // Split, and every part has succeeded: this run is the stitch.
        return work.RunAsync(context, (folder, token) => context.PartsSucceeded
            ? StitchAsync(context, folder, token)
            : EncodeAsync(payload, context, folder, token), cancellationToken);
    }

    /// <summary>
    /// The faults of an encode worth another attempt, with the reason a caller sees (the job's error). File faults name
    /// the worker's paths and ffmpeg's output names its files, so neither is shown: the exception and ffmpeg's words
    /// are in the log. Storage outages are the core's (<see cref="JobRunner"/>).
    /// </summary>
    public static JobFault? Classify(Exception exception) => exception switch
    {
        EncodeFailedException => JobFault.Retry(exception.Message),
        IOException => JobFault.Retry("A file of the encode could not be read or written on the worker."),
        _ => null,
    };

    private async Task<JobResult> EncodeAsync(VideoPayload payload, JobContext context, string workDirectory, CancellationToken cancellationToken)
    {
        var id = context.JobId;
        var sourcePath = Path.Combine(workDirectory, "source");
        var outputPath = Path.Combine(workDirectory, "output.mp4");

        var source = blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(StorageNames.SourceBlobName(id));
        if (payload.Snapshot is { } snapshot)
            source = source.WithSnapshot(snapshot); // what the submit checked, whatever the upload link wrote since
        try
        {
            var size = (await source.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ContentLength;
            if (DiskSpace.ShortfallForSource(size, new DriveInfo(workDirectory).AvailableFreeSpace) is { } message)
                throw new PermanentJobException(message);
            // Streamed to a file in blocks: memory stays flat whatever the source's size.
            await source.DownloadToAsync(sourcePath, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new PermanentJobException("The uploaded video is missing from storage.");
        }

        // The media type is what ffprobe finds, whatever the client's Content-Type said.
        var info = await encoder.ProbeAsync(sourcePath, cancellationToken)
            ?? throw new PermanentJobException("The upload is not a video: ffprobe found no playable video stream in it.");
        LogProbed(logger, info.Width, info.Height, info.VideoCodec, info.Duration.TotalSeconds, info.HasAudio);
        ThrowIfOver(EncodeLimits.Check(info, _options));
        // The source is on disk now; what is left to find is room for the output.
        if (DiskSpace.ShortfallForOutput(DiskSpace.EstimateOutputBytes(info, _options), new DriveInfo(workDirectory).AvailableFreeSpace) is { } noRoom)
            throw new PermanentJobException(noRoom);
        // The owner's daily quota of source seconds counts each video once, when its first attempt starts encoding.
        if (context is { Attempt: 1, Owner: { } owner })
            await quotas.RecordEncodeAsync(owner, info.Duration, cancellationToken);

        var (split, notSplit) = await SplitAsync(context, payload, info, sourcePath, workDirectory, cancellationToken);
        if (split is not null)
            return split;

        await encoder.EncodeAsync(sourcePath, info, outputPath, context.ReportProgress, cancellationToken);
        return await PublishAsync(context, info, outputPath, workDirectory, notSplit, cancellationToken);
    }

    /// <summary>
    /// A source longer than <see cref="EncodingOptions.SplitAbove"/> is split at keyframes into parts of about
    /// <see cref="EncodingOptions.PartDuration"/>, and its audio is a part of its own (<see cref="SplitPlan"/>); or it is
    /// encoded in one pass, with the reason (its frame rate varies, its container is not read in parts, ...).
    /// </summary>
    private async Task<(JobResult? Split, string? WhyNot)> SplitAsync(
        JobContext context, VideoPayload payload, MediaInfo info, string sourcePath, string workDirectory, CancellationToken cancellationToken)
    {
        var id = context.JobId;
        if (info.Duration <= _options.SplitAbove)
            return (null, null);
        if (info.Format is not { } format || !VideoEncoder.LinkFormats.Contains(format))
            return (null, $"Not split: its container ({info.Format}) is not read in parts.");
        var frames = await splitter.ProbeFramesAsync(sourcePath, cancellationToken);
        if (frames.Count > 0 && frames.Times[^1] - frames.Times[0] > EncodeLimits.EncodeUntil(info))
            return (null, $"Not split: its frames run past the {EncodeLimits.Clock(info.Duration)} it states.");
        // At most MaxParts parts: a longer video gets longer parts (every part is a message, a write on the video, a read on each GET).
        var partDuration = TimeSpan.FromTicks(Math.Max(_options.PartDuration.Ticks, info.Duration.Ticks / MaxParts));
        var decision = SplitPlan.Decide(frames, info.Duration, _options.SplitAbove, partDuration);
        if (!decision.IsSplit)
            return (null, $"Not split: {decision.WhyNot}");

        var source = new PartSource(id, payload.Snapshot, format, info.StartTime.TotalSeconds, info.Duration.TotalSeconds);
        var figures = SourceFigures.Of(frames);
        List<JobPart> parts =
        [
            .. decision.Parts.Select(p => JobPart.Of(VideoPartJobs.PartKind, new VideoPartPayload(source, p, figures, info.HasAudio), p.Frames,
                $"frames {p.FirstFrame + 1}-{p.FirstFrame + p.Frames} of {frames.Count}, from {p.Start.TotalSeconds:0.000} s")),
        ];
        // The audio's stream, copied out of the source here (seconds: the source is on this disk), is what the audio part
        // reads: not the whole source. It weighs nothing in the progress: it takes seconds beside the video's parts.
        if (info.HasAudio)
        {
            var copy = SplitEncoder.AudioCopyOf(info.AudioCodec!);
            var stream = Path.Combine(workDirectory, "audio-stream." + copy.Extension);
            await splitter.CopyAudioAsync(sourcePath, copy, stream, cancellationToken);
            var blobName = StorageNames.PartBlobName(id, JobParts.IdOf(id, context.RunId, parts.Count), context.RunId, copy.Extension);
            await work.UploadAsync([new Upload(blobName, stream, copy.ContentType)], cancellationToken);
            parts.Add(JobPart.Of(VideoPartJobs.AudioKind, new VideoAudioPayload(source, blobName, copy.Format), 0, "the audio, whole"));
        }
        LogSplit(logger, decision.Parts.Count, frames.Count, info.HasAudio);
        return (JobResult.Split(
            $"Split into {decision.Parts.Count} parts of about {partDuration.TotalSeconds:0.#} s at keyframes ({frames.Count} frames)" +
            (info.HasAudio ? ", and the audio as a part of its own" : "") + $": {parts.Count} jobs on {Messaging.QueueNames.HeavyCompute}.", parts), null);
    }

    /// <summary>
    /// The stitch, once every part has succeeded: joins the parts' video without re-encoding, muxes the audio, and holds
    /// the result to the source (<see cref="SplitEncoder.CheckAsync"/>; a check that fails fails the job), then makes
    /// the pictures and publishes it as a single pass would.
    /// </summary>
    private async Task<JobResult> StitchAsync(JobContext context, string workDirectory, CancellationToken cancellationToken)
    {
        var parts = await context.ReadPartsAsync(cancellationToken);
        var video = parts.Where(p => p.Kind == VideoPartJobs.PartKind)
            .Select(p => (Payload: p.PayloadAs<VideoPartPayload>()!, Piece: p.ResultAs<EncodedPiece>()!))
            .OrderBy(p => p.Payload.Part.Index).ToList();
        var audio = parts.SingleOrDefault(p => p.Kind == VideoPartJobs.AudioKind)?.ResultAs<EncodedPiece>();
        var first = video[0].Payload;
        // The parts together are the output: over the output limit, or no room for them and the joined file, fail now.
        var pieces = video.Sum(p => p.Piece.SizeBytes) + (audio?.SizeBytes ?? 0);
        if (pieces >= _options.MaxOutputBytes)
            ThrowIfOver(new LimitExceeded(nameof(EncodingOptions.MaxOutputBytes),
                $"The encoded parts reached the output limit of {_options.MaxOutputBytes / 1048576.0:0.#} MB (Encoding:MaxOutputBytes)."));
        if (DiskSpace.ShortfallForOutput(2 * pieces, new DriveInfo(workDirectory).AvailableFreeSpace) is { } noRoom)
            throw new PermanentJobException(noRoom);

        var outputs = blobs.GetBlobContainerClient(StorageNames.OutputsContainer);
        async Task<string> DownloadAsync(EncodedPiece piece, string name)
        {
            var path = Path.Combine(workDirectory, name);
            try
            {
                await outputs.GetBlobClient(piece.BlobName).DownloadToAsync(path, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                throw new PermanentJobException("A part of the video is missing from storage; send the video through again.");
            }

            return path;
        }

        var paths = await Task.WhenAll(video.Select((p, i) => DownloadAsync(p.Piece, $"part-{i:0000}.mp4")));
        var audioPath = audio is null ? null : await DownloadAsync(audio, "audio.m4a");
        var outputPath = Path.Combine(workDirectory, "output.mp4");
        await splitter.StitchAsync([.. video.Select((p, i) => (p.Payload.Part, paths[i]))], audioPath, outputPath, cancellationToken);
        try
        {
            await splitter.CheckAsync(outputPath, first.Figures, [.. video.Select(p => p.Payload.Part)], first.HasAudio, cancellationToken);
        }
        catch (EncodeFailedException ex)
        {
            // The same parts join the same way every time: another attempt would fail the same check.
            throw new PermanentJobException($"The joined video failed its check: {ex.Message}");
        }

        LogStitched(logger, video.Count, first.Figures.Frames);
        var source = first.Source.Info with { AudioCodec = first.HasAudio ? "aac" : null };
        return await PublishAsync(context, source, outputPath, workDirectory,
            $"Stitched from {video.Count} parts{(audio is null ? "" : " and the audio")}; {first.Figures.Frames} frames, as the source.", cancellationToken);
    }

    /// <summary>
    /// Probes and checks the output, makes its pictures, and uploads them with it under this run's names; the result
    /// the success records, whose <see cref="JobResult.Discard"/> deletes the uploads again.
    /// </summary>
    private async Task<JobResult> PublishAsync(
        JobContext context, MediaInfo info, string outputPath, string workDirectory, string? note, CancellationToken cancellationToken)
    {
        var id = context.JobId;
        var output = await encoder.ProbeAsync(outputPath, cancellationToken);
        if (output is not { VideoCodec: "h264" })
            throw new EncodeFailedException("ffmpeg finished but its output is not an H.264 video.");
        var sizeBytes = new FileInfo(outputPath).Length;
        ThrowIfOver(EncodeLimits.CheckOutput(info, output, sizeBytes, _options));

        // The MP4 goes up while its pictures are made from it; the pictures follow it. All land, or none stays.
        var outputName = StorageNames.OutputBlobName(id, context.RunId);
        await using var uploads = work.BeginUploads(cancellationToken);
        uploads.Start([new Upload(outputName, outputPath, "video/mp4")]);
        var made = await encoder.MakePicturesAsync(outputPath, info, output, Directory.CreateDirectory(Path.Combine(workDirectory, "pictures")).FullName, cancellationToken);
        var (pictures, pictureFiles) = Pictures(id, context.RunId, made, output.Duration);
        uploads.Start(pictureFiles);
        var delete = await uploads.CompleteAsync();

        LogEncoded(logger, sizeBytes, output.Width, output.Height, made.Tiles);
        return new JobResult(
            $"Encoded: {output.Width}x{output.Height} {output.VideoCodec}{(output.AudioCodec is null ? "" : "/" + output.AudioCodec)}, {sizeBytes} bytes, {output.Duration.TotalSeconds:0.0} s; " +
            $"a poster, {made.Thumbnails.Count} thumbnails and a storyboard of {made.Tiles} tiles." + (note is null ? "" : " " + note),
            new VideoOutput(outputName, sizeBytes, Math.Round(output.Duration.TotalSeconds, 3), output.Width, output.Height, output.VideoCodec, output.AudioCodec)
            {
                Pictures = pictures,
            })
        {
            // Cancelled or taken over at the last moment: this run's uploads are not the result.
            Discard = delete,
        };
    }

    /// <summary>
    /// The pictures as the job records them, under this run's names (<see cref="StorageNames.PictureBlobName"/>), and
    /// each one's local file paired with its blob name where it is named.
    /// </summary>
    private static (VideoPictures Pictures, List<Upload> Files) Pictures(
        string id, string runId, MadePictures made, TimeSpan duration)
    {
        var files = new List<Upload>();
        Picture Stored(LocalPicture local, string name)
        {
            var blobName = StorageNames.PictureBlobName(id, runId, name);
            files.Add(new Upload(blobName, local.Path, "image/jpeg"));
            return new(blobName, local.Width, local.Height, local.AtSeconds is { } at ? Math.Round(at, 3) : null);
        }

        var pictures = new VideoPictures(
            Stored(made.Poster, VideoPictures.PosterName),
            [.. made.Thumbnails.Select((t, i) => Stored(t, VideoPictures.ThumbnailName(i + 1)))],
            new Storyboard(Stored(made.Sprite, VideoPictures.StoryboardImageName).BlobName, made.Tiles, made.Columns,
                made.TileWidth, made.TileHeight, made.IntervalSeconds, Math.Round(duration.TotalSeconds, 3)));
        return (pictures, files);
    }

    /// <summary>Over a limit is permanent: the same file is over it on every try.</summary>
    private void ThrowIfOver(LimitExceeded? exceeded)
    {
        if (exceeded is null)
            return;
        LogOverLimit(logger, exceeded.Setting);
        throw new PermanentJobException(exceeded.Reason);
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Encode started: attempt {Attempt}, delivery {DequeueCount}")]
    private static partial void LogStarted(ILogger logger, int attempt, long dequeueCount);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information,
        Message = "Source probed: {Width}x{Height} {Codec}, {DurationSeconds:0.0} s, audio: {HasAudio}")]
    private static partial void LogProbed(ILogger logger, int width, int height, string codec, double durationSeconds, bool hasAudio);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information,
        Message = "Encoded and uploaded with its pictures: {SizeBytes} bytes, {Width}x{Height}, storyboard of {Tiles} tiles")]
    private static partial void LogEncoded(ILogger logger, long sizeBytes, int width, int height, int tiles);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "Over the limit Encoding:{Setting}; the job fails without a retry")]
    private static partial void LogOverLimit(ILogger logger, string setting);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "Split into {Parts} parts of {Frames} frames, audio as a part of its own: {HasAudio}")]
    private static partial void LogSplit(ILogger logger, int parts, int frames, bool hasAudio);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Information, Message = "Stitched {Parts} parts: {Frames} frames, checked against the source")]
    private static partial void LogStitched(ILogger logger, int parts, int frames);
}
