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
        await using var batch = BeginUploads(cancellationToken);
        batch.Start(uploads);
        return await batch.CompleteAsync();
    }

    /// <summary>
    /// Uploads that start one after another while the run goes on (an output while its pictures are made), to be
    /// completed together: they land all or none (<see cref="UploadBatch"/>).
    /// </summary>
    public UploadBatch BeginUploads(CancellationToken cancellationToken) =>
        new(blobs.GetBlobContainerClient(Storage.StorageNames.OutputsContainer), cancellationToken);

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

/// <summary>
/// Uploads to the outputs container that run while the work goes on: <see cref="Start"/> begins them at once,
/// <see cref="CompleteAsync"/> waits for all of them. All or none: should one fail, or the work fail before they are
/// complete (the batch disposed first), those that landed are deleted (the next attempt writes under its own names).
/// </summary>
public sealed class UploadBatch(BlobContainerClient outputs, CancellationToken cancellationToken) : IAsyncDisposable
{
    private readonly List<(string BlobName, Task Upload)> _started = [];
    private bool _completed;

    /// <summary>Begins uploading each file; they go up while the caller goes on.</summary>
    public void Start(IEnumerable<Upload> uploads)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        foreach (var upload in uploads)
        {
            _started.Add((upload.BlobName, outputs.GetBlobClient(upload.BlobName).UploadAsync(upload.Path, new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = upload.ContentType },
            }, cancellationToken)));
        }
    }

    /// <summary>
    /// Waits for every upload begun; should one fail, deletes those that landed and throws. Returns what deletes them
    /// again, for a result that is discarded.
    /// </summary>
    public async Task<Func<Task>> CompleteAsync()
    {
        try
        {
            await Task.WhenAll(_started.Select(s => s.Upload));
        }
        catch (Exception ex) when (IsUploadFault(ex))
        {
            await DeleteAsync();
            throw;
        }
        finally
        {
            _completed = true;
        }

        return DeleteAsync;
    }

    /// <summary>The work failed before <see cref="CompleteAsync"/>: waits for what is in flight, and deletes what landed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_completed)
            return;
        _completed = true;
        try
        {
            await Task.WhenAll(_started.Select(s => s.Upload));
        }
        catch (Exception ex) when (IsUploadFault(ex))
        {
            // the work's own fault is the one that propagates; these blobs go either way
        }

        await DeleteAsync();
    }

    private async Task DeleteAsync()
    {
        foreach (var (blobName, _) in _started)
            await outputs.DeleteBlobIfExistsAsync(blobName, cancellationToken: CancellationToken.None);
    }

    private static bool IsUploadFault(Exception ex) => ex is RequestFailedException or OperationCanceledException or IOException;
}
