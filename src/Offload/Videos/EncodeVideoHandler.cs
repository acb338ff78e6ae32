using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Quotas;
using Offload.Storage;
using Offload.Videos.Pictures;

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
    OwnerQuotas quotas,
    IOptions<EncodingOptions> options,
    ILogger<EncodeVideoHandler> logger) : IJobHandler<VideoPayload>
{
    private readonly EncodingOptions _options = options.Value;

    public async Task<JobResult> RunAsync(VideoPayload payload, JobContext context, CancellationToken cancellationToken)
    {
        LogStarted(logger, context.Attempt, context.DequeueCount);
        // A folder per delivery: two deliveries of one message never share files. Its lock tells a start-up clean-up
        // (WorkFolderCleaner) that this run is alive.
        WorkFolder? workFolder = null;
        using var timeLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeLimit.CancelAfter(_options.TimeLimit);
        try
        {
            // Inside: a folder that cannot be made is a fault with a reason on the job, like any other file fault.
            workFolder = WorkFolder.Create(_options.ResolveWorkingDirectory(), context.JobId);
            return await EncodeAsync(payload, context, workFolder.Path, timeLimit.Token);
        }
        catch (OperationCanceledException) when (timeLimit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PermanentJobException($"The encode timed out: it ran longer than {_options.TimeLimit:g}, the limit for one encode.");
        }
        catch (EncodeFailedException ex) when (ex.Detail is { } detail)
        {
            LogEncodeFailed(logger, detail); // ffmpeg's own words name files: the log's, not the job's
            throw;
        }
        finally
        {
            if (workFolder is not null)
                TryDelete(workFolder);
        }
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

        await encoder.EncodeAsync(sourcePath, info, outputPath, context.ReportProgress, cancellationToken);

        var output = await encoder.ProbeAsync(outputPath, cancellationToken);
        if (output is not { VideoCodec: "h264" })
            throw new EncodeFailedException("ffmpeg finished but its output is not an H.264 video.");
        var sizeBytes = new FileInfo(outputPath).Length;
        ThrowIfOver(EncodeLimits.CheckOutput(info, output, sizeBytes, _options));

        var made = await encoder.MakePicturesAsync(outputPath, info, output, Directory.CreateDirectory(Path.Combine(workDirectory, "pictures")).FullName, cancellationToken);

        var outputs = blobs.GetBlobContainerClient(StorageNames.OutputsContainer);
        var outputName = StorageNames.OutputBlobName(id, context.RunId);
        var (pictures, pictureFiles) = Pictures(id, context.RunId, made, output.Duration);
        List<(string BlobName, string Path, string ContentType)> uploads = [(outputName, outputPath, "video/mp4"), .. pictureFiles];
        async Task DeleteUploadsAsync()
        {
            foreach (var upload in uploads)
                await outputs.DeleteBlobIfExistsAsync(upload.BlobName, cancellationToken: CancellationToken.None);
        }

        try
        {
            await Task.WhenAll(uploads.Select(u => outputs.GetBlobClient(u.BlobName).UploadAsync(u.Path, new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = u.ContentType },
            }, cancellationToken)));
        }
        catch (Exception ex) when (ex is RequestFailedException or OperationCanceledException or IOException)
        {
            // Some uploads may have landed: this run leaves none behind (the next attempt writes under its own names).
            await DeleteUploadsAsync();
            throw;
        }

        LogEncoded(logger, sizeBytes, output.Width, output.Height, made.Tiles);
        return new JobResult(
            $"Encoded: {output.Width}x{output.Height} {output.VideoCodec}{(output.AudioCodec is null ? "" : "/" + output.AudioCodec)}, {sizeBytes} bytes, {output.Duration.TotalSeconds:0.0} s; " +
            $"a poster, {made.Thumbnails.Count} thumbnails and a storyboard of {made.Tiles} tiles.",
            new VideoOutput(outputName, sizeBytes, Math.Round(output.Duration.TotalSeconds, 3), output.Width, output.Height, output.VideoCodec, output.AudioCodec)
            {
                Pictures = pictures,
            })
        {
            // Cancelled or taken over at the last moment: this run's uploads are not the result.
            Discard = DeleteUploadsAsync,
        };
    }

    /// <summary>
    /// The pictures as the job records them, under this run's names (<see cref="StorageNames.PictureBlobName"/>), and
    /// each one's local file paired with its blob name where it is named.
    /// </summary>
    private static (VideoPictures Pictures, List<(string BlobName, string Path, string ContentType)> Files) Pictures(
        string id, string runId, MadePictures made, TimeSpan duration)
    {
        var files = new List<(string, string, string)>();
        Picture Stored(LocalPicture local, string name)
        {
            var blobName = StorageNames.PictureBlobName(id, runId, name);
            files.Add((blobName, local.Path, "image/jpeg"));
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

    private void TryDelete(WorkFolder folder)
    {
        try
        {
            folder.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogCleanupFailed(logger, folder.Path, ex); // unlocked now: the next start-up's clean-up takes it
        }
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

    [LoggerMessage(EventId = 2106, Level = LogLevel.Warning, Message = "ffmpeg failed: {Detail}")]
    private static partial void LogEncodeFailed(ILogger logger, string detail);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Could not delete the work folder {Path}")]
    private static partial void LogCleanupFailed(ILogger logger, string path, Exception exception);
}
