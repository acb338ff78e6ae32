using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Jobs;

namespace Offload.Videos;

/// <summary>A file an encode uploads, under the blob name the job records.</summary>
public sealed record Upload(string BlobName, string Path, string ContentType);

/// <summary>
/// What every run of an encode shares, a whole video or a part of one: a folder of its own for the delivery (two
/// deliveries of one message never share files; its lock tells the start-up clean-up, <see cref="WorkFolderCleaner"/>,
/// that the run is alive), deleted when the run ends; the time limit (<see cref="EncodingOptions.TimeLimit"/>, a
/// timeout is permanent); ffmpeg's own words to the log, never to the job (they name the worker's files); and uploads
/// that leave nothing behind when they fail or are not the result.
/// </summary>
public sealed partial class EncodeWork(BlobServiceClient blobs, IOptions<EncodingOptions> options, ILogger<EncodeWork> logger)
{
    private readonly EncodingOptions _options = options.Value;

    /// <summary>Runs <paramref name="work"/> in a fresh work folder, stopped at the time limit.</summary>
    public async Task<JobResult> RunAsync(JobContext context, Func<string, CancellationToken, Task<JobResult>> work, CancellationToken cancellationToken)
    {
        WorkFolder? workFolder = null;
        using var timeLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeLimit.CancelAfter(_options.TimeLimit);
        try
        {
            // Inside: a folder that cannot be made is a fault with a reason on the job, like any other file fault.
            workFolder = WorkFolder.Create(_options.ResolveWorkingDirectory(), context.JobId);
            return await work(workFolder.Path, timeLimit.Token);
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
    /// Uploads the files to the outputs container, all at once; should one fail, deletes those that landed (the next
    /// attempt writes under its own names) and throws. Returns what deletes them again, for a result that is discarded.
    /// </summary>
    public async Task<Func<Task>> UploadAsync(IReadOnlyList<Upload> uploads, CancellationToken cancellationToken)
    {
        var outputs = blobs.GetBlobContainerClient(Storage.StorageNames.OutputsContainer);
        async Task DeleteAsync()
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
            await DeleteAsync();
            throw;
        }

        return DeleteAsync;
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

    [LoggerMessage(EventId = 2106, Level = LogLevel.Warning, Message = "ffmpeg failed: {Detail}")]
    private static partial void LogEncodeFailed(ILogger logger, string detail);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Could not delete the work folder {Path}")]
    private static partial void LogCleanupFailed(ILogger logger, string path, Exception exception);
}
