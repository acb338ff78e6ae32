using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Videos;

/// <summary>One delivery of a <c>heavy-compute</c> message: its raw body and how often the queue has delivered it.</summary>
public sealed record EncodeVideoCommand(string Message, long DequeueCount);

/// <summary>The job can never succeed, whatever the number of tries (e.g. the upload is not a video).</summary>
public sealed class PermanentJobException(string reason) : Exception(reason);

/// <summary>
/// The encode worker: claims the job, downloads the source, probes it, encodes it to a web-playable MP4,
/// checks the result and stores it under a deterministic name. Idempotent: a redelivered message for a finished
/// job does nothing, and every status change is a compare-and-set, so two deliveries can never both win.
/// </summary>
public sealed partial class EncodeVideoHandler(
    JobStore jobs,
    JobWorker worker,
    BlobServiceClient blobs,
    VideoEncoder encoder,
    VideoNotifications notifications,
    IOptions<EncodingOptions> options,
    ILogger<EncodeVideoHandler> logger)
{
    private readonly EncodingOptions _options = options.Value;

    public async Task HandleAsync(EncodeVideoCommand command, CancellationToken cancellationToken)
    {
        if (await worker.ReadAsync(QueueNames.HeavyCompute, command.Message, cancellationToken) is not { } message)
            return;

        using var scope = logger.BeginJobScope(message.JobId);
        var claimed = await worker.ClaimAsync(
            QueueNames.HeavyCompute, JobKinds.Video, message, command.Message, _options.MaxAttempts, cancellationToken);
        if (claimed is null)
        {
            await notifications.NotifyIfFinalAsync(message.JobId, cancellationToken);
            return;
        }

        LogStarted(logger, claimed.Attempts, command.DequeueCount);
        var run = new EncodeRun(claimed);
        // A folder per delivery: two deliveries of one message never share files.
        var workDirectory = Path.Combine(_options.ResolveWorkingDirectory(), $"{claimed.Id}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(workDirectory);
        try
        {
            await RunAsync(run, workDirectory, cancellationToken);
        }
        catch (PermanentJobException ex)
        {
            run.Job = await worker.FailAsync(run.Job, ex.Message) ?? run.Job;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await worker.StoppedAsync(run.Job);
            throw;
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            await worker.RetryLaterAsync(QueueNames.HeavyCompute, run.Job, Describe(ex), _options.Retry, ex);
        }
        finally
        {
            TryDeleteDirectory(workDirectory);
        }

        await notifications.NotifyIfFinalAsync(claimed.Id, cancellationToken);
    }

    private async Task RunAsync(EncodeRun run, string workDirectory, CancellationToken cancellationToken)
    {
        var id = run.Job.Id;
        var sourcePath = Path.Combine(workDirectory, "source");
        var outputPath = Path.Combine(workDirectory, "output.mp4");

        var source = blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(StorageNames.SourceBlobName(id));
        try
        {
            var size = (await source.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ContentLength;
            if (DiskSpace.Shortfall(size, new DriveInfo(workDirectory).AvailableFreeSpace) is { } message)
                throw new PermanentJobException(message);
            // Streamed to a file in blocks: memory stays flat whatever the source's size.
            await source.DownloadToAsync(sourcePath, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new PermanentJobException("The uploaded video is missing from storage.");
        }

        var info = await encoder.ProbeAsync(sourcePath, cancellationToken)
            ?? throw new PermanentJobException("The upload is not a video: ffprobe found no playable video stream in it.");
        LogProbed(logger, info.Width, info.Height, info.VideoCodec, info.Duration.TotalSeconds, info.HasAudio);

        using var encodeCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progressLoop = ReportProgressAsync(run, encodeCancellation);
        try
        {
            await encoder.EncodeAsync(sourcePath, info, outputPath, run.SetPercent, encodeCancellation.Token);
        }
        catch (OperationCanceledException) when (run.LostOwnership)
        {
            worker.LostRace();
            return;
        }
        finally
        {
            run.Finish();
            await progressLoop;
        }

        if (run.LostOwnership)
            return;

        var output = await encoder.ProbeAsync(outputPath, cancellationToken);
        if (output is not { VideoCodec: "h264" })
            throw new EncodeFailedException("ffmpeg finished but its output is not an H.264 video.");

        var outputBlob = blobs.GetBlobContainerClient(StorageNames.OutputsContainer).GetBlobClient(StorageNames.OutputBlobName(id));
        await outputBlob.UploadAsync(outputPath, new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "video/mp4" },
        }, cancellationToken);
        var sizeBytes = new FileInfo(outputPath).Length;

        var done = await jobs.TryMoveAsync(run.Job, JobStatus.Succeeded, j =>
        {
            j.Progress = 100;
            j.Error = null;
            j.OutputSizeBytes = sizeBytes;
            j.OutputDurationSeconds = Math.Round(output.Duration.TotalSeconds, 3);
            j.OutputWidth = output.Width;
            j.OutputHeight = output.Height;
            j.OutputVideoCodec = output.VideoCodec;
            j.OutputAudioCodec = output.AudioCodec;
        }, cancellationToken);

        if (done is null)
            worker.LostRace();
        else
            LogSucceeded(logger, sizeBytes, output.Width, output.Height, (done.CompletedAt - done.StartedAt)?.TotalSeconds ?? 0);
    }

    /// <summary>Writes progress at most every <see cref="EncodingOptions.ProgressInterval"/>; stops the encode if another worker took the job.</summary>
    private async Task ReportProgressAsync(EncodeRun run, CancellationTokenSource encode)
    {
        using var timer = new PeriodicTimer(_options.ProgressInterval);
        var written = 0;
        while (await run.WaitAsync(timer))
        {
            var percent = (int)Math.Floor(run.Percent);
            if (percent <= written || percent >= 100)
                continue;
            var next = await jobs.TryReportProgressAsync(run.Job, percent, CancellationToken.None);
            if (next is null)
            {
                run.LostOwnership = true;
                await encode.CancelAsync();
                return;
            }

            run.Job = next;
            written = percent;
        }
    }

    private static bool IsTransient(Exception ex) =>
        ex is EncodeFailedException or IOException || StorageFaults.IsUnavailable(ex);

    private static string Describe(Exception ex) => ex switch
    {
        RequestFailedException { Status: > 0 } rf => $"Storage was unavailable ({rf.Status} {rf.ErrorCode}).",
        RequestFailedException or HttpRequestException or AggregateException => "Storage could not be reached.",
        EncodeFailedException => ex.Message,
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };

    private void TryDeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogCleanupFailed(logger, path, ex);
        }
    }

    /// <summary>The state one encode shares between ffmpeg's progress callback and the progress writer.</summary>
    private sealed class EncodeRun(Job job)
    {
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private double _percent;

        public Job Job { get; set; } = job;
        public bool LostOwnership { get; set; }
        public double Percent => Volatile.Read(ref _percent);

        public void SetPercent(double percent) => Volatile.Write(ref _percent, percent);

        public void Finish() => _finished.TrySetResult();

        /// <summary>True at each tick, false once the encode has finished.</summary>
        public async Task<bool> WaitAsync(PeriodicTimer timer)
        {
            var tick = timer.WaitForNextTickAsync().AsTask();
            return await Task.WhenAny(tick, _finished.Task) == tick;
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Encode started: attempt {Attempt}, delivery {DequeueCount}")]
    private static partial void LogStarted(ILogger logger, int attempt, long dequeueCount);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information,
        Message = "Source probed: {Width}x{Height} {Codec}, {DurationSeconds:0.0} s, audio: {HasAudio}")]
    private static partial void LogProbed(ILogger logger, int width, int height, string codec, double durationSeconds, bool hasAudio);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information,
        Message = "Encode succeeded: {SizeBytes} bytes, {Width}x{Height}, in {Seconds:0.00} s")]
    private static partial void LogSucceeded(ILogger logger, long sizeBytes, int width, int height, double seconds);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Could not delete the work folder {Path}")]
    private static partial void LogCleanupFailed(ILogger logger, string path, Exception exception);
}
