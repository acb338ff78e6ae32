using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Jobs;
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
    BlobServiceClient blobs, QueueVideoJob queueJob, IOptions<VideoOptions> options, ILogger<UploadVideoHandler> logger)
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

        var (job, _) = await queueJob.HandleAsync(id, new VideoSource(command.FileName, command.ContentType, counted.BytesRead, command.Notify), cancellationToken);
        LogAccepted(logger, counted.BytesRead, command.ContentType);
        return new UploadVideoResult.Accepted(job);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Video accepted: {SizeBytes} bytes of {ContentType}")]
    private static partial void LogAccepted(ILogger logger, long sizeBytes, string contentType);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Upload refused: larger than {MaxBytes} bytes")]
    private static partial void LogUploadTooLarge(ILogger logger, long maxBytes);
}
