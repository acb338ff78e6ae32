using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
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
}

/// <summary>
/// "The bytes are there": checks that <c>uploads/{id}</c> exists as a committed blob within the size limit, then
/// queues the job exactly like POST /api/videos. Submitting twice returns the same job.
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
        if (await jobs.GetAsync(id, cancellationToken) is { Kind: JobKinds.Video } existing)
            return new SubmitUploadResult.Accepted(existing);

        // Blocks that were staged but never committed do not make a blob: it does not exist yet.
        var blob = blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(StorageNames.SourceBlobName(id));
        long size;
        try
        {
            size = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ContentLength;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return new SubmitUploadResult.NotUploaded();
        }

        var max = options.Value.MaxSourceBytes;
        if (size > max)
        {
            await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            return new SubmitUploadResult.TooLarge(max, size);
        }

        if (size == 0)
            return new SubmitUploadResult.NotUploaded();

        var (job, _) = await queueJob.HandleAsync(
            id, new VideoSource(promised.Owner ?? caller.OwnerId, promised.FileName, promised.ContentType, size, promised.Notify), cancellationToken);
        return new SubmitUploadResult.Accepted(job);
    }
}
