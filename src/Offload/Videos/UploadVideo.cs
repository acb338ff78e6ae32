using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Videos;

/// <summary>A video handed over by a client: its bytes as a stream, never buffered whole.</summary>
public sealed record UploadVideoCommand(Stream Content, string ContentType, string? FileName, string? Notify);

public abstract record UploadVideoResult
{
    public sealed record Accepted(Job Job) : UploadVideoResult;
    public sealed record Empty : UploadVideoResult;
    public sealed record TooLarge(long MaxBytes) : UploadVideoResult;
}

/// <summary>
/// Streams the upload into <c>uploads/{id}</c>, writes the job row, and puts only the id on
/// <c>heavy-compute</c>. Slow work is left to the queue: this returns as soon as the bytes are stored.
/// </summary>
public sealed partial class UploadVideoHandler(
    BlobServiceClient blobs, JobStore jobs, JobQueue queue, IOptions<VideoOptions> options, ILogger<UploadVideoHandler> logger)
{
    // 4 MiB blocks, two in flight: the server holds ~8 MiB per upload whatever the video's size.
    private static readonly StorageTransferOptions Transfer = new()
    {
        InitialTransferSize = 4 * 1024 * 1024,
        MaximumTransferSize = 4 * 1024 * 1024,
        MaximumConcurrency = 2,
    };

    public async Task<UploadVideoResult> HandleAsync(UploadVideoCommand command, CancellationToken cancellationToken)
    {
        var maxBytes = options.Value.MaxUploadBytes;
        var id = JobId.New();
        var blob = blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(StorageNames.SourceBlobName(id));
        using var scope = logger.BeginJobScope(id);

        var counted = new SizeLimitedStream(command.Content, maxBytes);
        try
        {
            await blob.UploadAsync(counted, new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = command.ContentType },
                TransferOptions = Transfer,
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is UploadTooLargeException || ex.InnerException is UploadTooLargeException)
        {
            await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            LogUploadTooLarge(logger, maxBytes);
            return new UploadVideoResult.TooLarge(maxBytes);
        }

        if (counted.BytesRead == 0)
        {
            await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            return new UploadVideoResult.Empty();
        }

        var job = Job.New(id, JobKinds.Video, jobs.Now);
        job.SourceFileName = command.FileName is null ? null : Path.GetFileName(command.FileName);
        job.SourceContentType = command.ContentType;
        job.SourceSizeBytes = counted.BytesRead;
        job.Notify = command.Notify;
        await jobs.CreateAsync(job, cancellationToken);

        try
        {
            await queue.EnqueueAsync(QueueNames.HeavyCompute, id, cancellationToken);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            // Nothing is left stuck in 'queued' with no message behind it.
            await jobs.TryMoveAsync(job, JobStatus.Failed,
                j => j.Error = "The job could not be queued; please upload again.", CancellationToken.None);
            LogEnqueueFailed(logger, ex);
            throw;
        }

        LogAccepted(logger, counted.BytesRead, command.ContentType);
        return new UploadVideoResult.Accepted(job);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Video accepted: {SizeBytes} bytes of {ContentType}")]
    private static partial void LogAccepted(ILogger logger, long sizeBytes, string contentType);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Upload refused: larger than {MaxBytes} bytes")]
    private static partial void LogUploadTooLarge(ILogger logger, long maxBytes);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "The job was stored but could not be queued; it was marked failed")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception);
}
