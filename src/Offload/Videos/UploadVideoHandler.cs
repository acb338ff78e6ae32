using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Access;
using Offload.Http;
using Offload.Idempotency;
using Offload.Jobs;
using Offload.Quotas;
using Offload.Storage;

namespace Offload.Videos;

/// <summary>A video handed over by a client: its bytes as a stream, never buffered whole.</summary>
public sealed record UploadVideoCommand(Caller Caller, Stream Content, string ContentType, string? FileName, string? Notify, string? IdempotencyKey = null);

public abstract record UploadVideoResult
{
    /// <summary>The job; <paramref name="Replayed"/> when an earlier request with the same Idempotency-Key made it.</summary>
    public sealed record Accepted(Job Job, bool Replayed = false) : UploadVideoResult;
    public sealed record Empty : UploadVideoResult;
    public sealed record TooLarge(long MaxBytes) : UploadVideoResult;
    /// <summary>The Idempotency-Key was first used with a different request.</summary>
    public sealed record KeyReused : UploadVideoResult;
    /// <summary>The owner is over a quota: nothing was read or stored.</summary>
    public sealed record OverQuota(QuotaRefusal Refusal) : UploadVideoResult;
}

/// <summary>
/// Streams the upload into <c>uploads/{id}</c>, writes the job row, and puts only the id on
/// <c>heavy-compute</c>. Slow work is left to the queue: this returns as soon as the bytes are stored.
/// With an Idempotency-Key, a repeated request (same bytes, type, name and notify address) gets the first request's
/// job and stores nothing; its body is only read to compare its fingerprint.
/// </summary>
public sealed partial class UploadVideoHandler(
    BlobServiceClient blobs, QueueVideoJob queueJob, IdempotencyKeys keys, OwnerQuotas quotas, IOptions<VideoOptions> options,
    ILogger<UploadVideoHandler> logger)
{
    private const string KeyScope = "videos";

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
        var key = command.IdempotencyKey;
        if (key is not null && await keys.FindAsync(command.Caller.OwnerId, KeyScope, key, cancellationToken) is { } known)
            return await ReplayAsync(command, known, maxBytes, cancellationToken);

        var id = JobId.New();
        // Before a byte is read: a caller over its quota costs nothing but this answer.
        if (await quotas.TakeVideoAsync(command.Caller, id, command.Notify, cancellationToken) is { } refusal)
            return new UploadVideoResult.OverQuota(refusal);
        UploadVideoResult? result = null;
        try
        {
            return result = await StoreAsync(command, id, maxBytes, cancellationToken);
        }
        finally
        {
            // Too large, empty, another request's job, or the client gone: this id never became a job in flight.
            if (result is not UploadVideoResult.Accepted { Job.Id: var accepted } || accepted != id)
                await quotas.ReleaseVideoAsync(command.Caller.OwnerId, id, CancellationToken.None);
        }
    }

    private async Task<UploadVideoResult> StoreAsync(UploadVideoCommand command, string id, long maxBytes, CancellationToken cancellationToken)
    {
        var key = command.IdempotencyKey;
        var blob = blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(StorageNames.SourceBlobName(id));
        using var scope = logger.BeginJobScope(id);

        using var counted = new SizeLimitedStream(command.Content, maxBytes, hash: key is not null);
        try
        {
            await blob.UploadAsync(counted, new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = command.ContentType },
                TransferOptions = Transfer,
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is BodyTooLargeException || ex.InnerException is BodyTooLargeException)
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

        if (key is not null)
        {
            // Claimed only now, with the bytes stored: a request that dies midway leaves the key free for its retry.
            var fingerprint = Fingerprint(command, counted.Sha256);
            if (await keys.TryClaimAsync(command.Caller.OwnerId, KeyScope, key, fingerprint, id, cancellationToken) is { } first)
            {
                // Another request with this key got there first (both were in flight): its job is the job.
                await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
                return await SameRequestAsync(command, first, fingerprint, counted.BytesRead, cancellationToken);
            }
        }

        var (job, _) = await queueJob.HandleAsync(id, SourceOf(command, counted.BytesRead), cancellationToken);
        LogAccepted(logger, counted.BytesRead, command.ContentType);
        return new UploadVideoResult.Accepted(job);
    }

    /// <summary>A key seen before: read the body only to fingerprint it, store nothing, answer with the first job.</summary>
    private async Task<UploadVideoResult> ReplayAsync(UploadVideoCommand command, IdempotencyRecord known, long maxBytes, CancellationToken cancellationToken)
    {
        using var counted = new SizeLimitedStream(command.Content, maxBytes, hash: true);
        try
        {
            await counted.CopyToAsync(Stream.Null, cancellationToken);
        }
        catch (BodyTooLargeException)
        {
            return new UploadVideoResult.TooLarge(maxBytes);
        }

        if (counted.BytesRead == 0)
            return new UploadVideoResult.Empty();
        return await SameRequestAsync(command, known, Fingerprint(command, counted.Sha256), counted.BytesRead, cancellationToken);
    }

    private async Task<UploadVideoResult> SameRequestAsync(
        UploadVideoCommand command, IdempotencyRecord first, string fingerprint, long sizeBytes, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginJobScope(first.JobId);
        if (first.Fingerprint != fingerprint)
        {
            LogKeyReused(logger);
            return new UploadVideoResult.KeyReused();
        }

        // The first request stored the source before it claimed the key; should it have died before writing the job,
        // this writes it (and otherwise returns the job as it is).
        var (job, _) = await queueJob.HandleAsync(first.JobId, SourceOf(command, sizeBytes), cancellationToken);
        LogReplayed(logger);
        return new UploadVideoResult.Accepted(job, Replayed: true);
    }

    private static VideoSource SourceOf(UploadVideoCommand command, long sizeBytes) =>
        new(command.Caller.OwnerId, command.FileName, command.ContentType, sizeBytes, command.Notify);

    private static string Fingerprint(UploadVideoCommand command, string bodySha256) =>
        IdempotencyKeys.Fingerprint(command.ContentType, command.FileName, command.Notify, bodySha256);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Video accepted: {SizeBytes} bytes of {ContentType}")]
    private static partial void LogAccepted(ILogger logger, long sizeBytes, string contentType);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Upload refused: larger than {MaxBytes} bytes")]
    private static partial void LogUploadTooLarge(ILogger logger, long maxBytes);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Repeated upload with the same Idempotency-Key: answered with the first request's job")]
    private static partial void LogReplayed(ILogger logger);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Upload refused: its Idempotency-Key was first used with a different request")]
    private static partial void LogKeyReused(ILogger logger);
}
