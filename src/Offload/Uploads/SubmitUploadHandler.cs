using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using Offload.Access;
using Offload.Jobs;
using Offload.Storage;
using Offload.Videos;

namespace Offload.Uploads;

public abstract record SubmitUploadResult
{
    public sealed record Accepted(Job Job) : SubmitUploadResult;
    public sealed record NoSuchUpload : SubmitUploadResult;
    public sealed record NotUploaded : SubmitUploadResult;
    public sealed record TooLarge(long MaxBytes, long SizeBytes) : SubmitUploadResult;
    /// <summary>The blob does not have the size the client declared when it asked for the link.</summary>
    public sealed record SizeMismatch(long DeclaredBytes, long SizeBytes) : SubmitUploadResult;
    /// <summary>The blob was written again while this submit checked it.</summary>
    public sealed record ChangedWhileSubmitting : SubmitUploadResult;
}

/// <summary>
/// "The bytes are there": checks that <c>uploads/{id}</c> exists as a committed blob of the declared size within the
/// limit, pins what it checked, then queues the job exactly like POST /api/videos. Submitting twice returns the same job.
/// <para>
/// Pinning: the upload link can write this blob until it expires, also after the submit. So the submit takes a
/// snapshot of exactly the version it checked (conditional on its ETag), the job records it, and the encoder reads
/// only that snapshot. A snapshot is read-only, and the link (create and write on this one blob, no delete) can
/// neither change nor remove it: whatever is written later, what gets encoded is what was checked. A snapshot costs
/// no copy (it shares the blocks) and works the same on Azurite and in Azure, with a key or a user delegation SAS.
/// </para>
/// </summary>
public sealed class SubmitUploadHandler(
    TableServiceClient tables, BlobServiceClient blobs, JobStore jobs, QueueVideoJob queueJob, IOptions<VideoOptions> options)
{
    private readonly TableClient _table = tables.GetTableClient(StorageNames.JobsTable);

    public async Task<SubmitUploadResult> HandleAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var upload = await _table.GetEntityIfExistsAsync<Upload>(id, Upload.RowKeyValue, cancellationToken: cancellationToken);
        // Another owner's upload is no upload at all: the id says nothing about whether it exists.
        if (!upload.HasValue || upload.Value is not { } promised || !caller.MaySee(promised.Owner))
            return new SubmitUploadResult.NoSuchUpload();
        if (await jobs.GetAsync(id, cancellationToken) is { Kind: VideoJob.Kind } existing)
            return new SubmitUploadResult.Accepted(existing);

        // Blocks that were staged but never committed do not make a blob: it does not exist yet.
        var blob = blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(StorageNames.SourceBlobName(id));
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return new SubmitUploadResult.NotUploaded();
        }

        var (size, max) = (properties.ContentLength, options.Value.MaxSourceBytes);
        if (size > max)
        {
            await DeleteAsync(blob);
            return new SubmitUploadResult.TooLarge(max, size);
        }

        if (size == 0)
            return new SubmitUploadResult.NotUploaded();

        // The declared size is what the limit was checked against when the link was handed out.
        if (size != promised.DeclaredSizeBytes)
        {
            await DeleteAsync(blob);
            return new SubmitUploadResult.SizeMismatch(promised.DeclaredSizeBytes, size);
        }

        string snapshot;
        try
        {
            snapshot = (await blob.CreateSnapshotAsync(conditions: new BlobRequestConditions { IfMatch = properties.ETag },
                cancellationToken: cancellationToken)).Value.Snapshot;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return new SubmitUploadResult.ChangedWhileSubmitting();
        }

        var (job, _) = await queueJob.HandleAsync(
            id, new VideoSource(promised.Owner ?? caller.OwnerId, promised.FileName, promised.ContentType, size, promised.Notify, snapshot), cancellationToken);
        return new SubmitUploadResult.Accepted(job);
    }

    // Snapshots too: one left by an earlier submit that died before it queued the job.
    private static Task DeleteAsync(BlobClient blob) =>
        blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: CancellationToken.None);
}
