using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Microsoft.Extensions.Options;
using Offload.Access;
using Offload.Email;
using Offload.Http;
using Offload.Jobs;
using Offload.Quotas;
using Offload.Storage;
using Offload.Videos;

namespace Offload.Uploads;

/// <summary>A client's promise of a (large) source: what it will upload straight to Blob Storage.</summary>
public sealed record CreateUploadCommand(Caller Caller, string? FileName, string? ContentType, long? SizeBytes, string? Notify);

public abstract record CreateUploadResult
{
    public sealed record Created(string Id, Uri UploadUrl, DateTimeOffset ExpiresAt) : CreateUploadResult;
    public sealed record Invalid(string Field, string Message) : CreateUploadResult;
    public sealed record TooLarge(long MaxBytes) : CreateUploadResult;
    public sealed record OverQuota(QuotaRefusal Refusal) : CreateUploadResult;
}

/// <summary>
/// Hands out a short-lived SAS that can only create and write <c>uploads/{id}</c>: the client sends the bytes to
/// Blob Storage itself (in parallel blocks, resumable), past the 100 MB HTTP limit of a function, and the app never
/// holds them. Nothing is queued until the client submits.
/// </summary>
public sealed class CreateUploadHandler(
    TableServiceClient tables, BlobServiceClient blobs, BlobLinks links, OwnerQuotas quotas, TimeProvider clock, IOptions<VideoOptions> options)
{
    private readonly TableClient _table = tables.GetTableClient(StorageNames.JobsTable);

    public async Task<CreateUploadResult> HandleAsync(CreateUploadCommand command, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxSourceBytes;
        if (command.SizeBytes is not > 0)
            return new CreateUploadResult.Invalid("sizeBytes", "'sizeBytes' must be the size of the file in bytes.");
        if (command.SizeBytes > max)
            return new CreateUploadResult.TooLarge(max);
        if (command.ContentType is not { Length: <= RequestLimits.MaxMediaTypeLength } type
            || !(type.StartsWith("video/", StringComparison.OrdinalIgnoreCase) || type == "application/octet-stream"))
            return new CreateUploadResult.Invalid("contentType", $"'contentType' must be video/* or application/octet-stream, of at most {RequestLimits.MaxMediaTypeLength} characters.");
        if (command.Notify is { Length: > 0 } notify && !EmailAddress.IsValid(notify))
            return new CreateUploadResult.Invalid("notify", $"'notify' must be {EmailAddress.Requirement}.");
        var fileName = command.FileName is null ? null : Path.GetFileName(command.FileName);
        if (fileName?.Length > RequestLimits.MaxFileNameLength)
            return new CreateUploadResult.Invalid("fileName", $"'fileName' may have at most {RequestLimits.MaxFileNameLength} characters.");

        var id = JobId.New();
        if (await quotas.TakeVideoAsync(command.Caller, id, string.IsNullOrEmpty(command.Notify) ? null : command.Notify, cancellationToken) is { } refusal)
            return new CreateUploadResult.OverQuota(refusal);
        var blob = blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(StorageNames.SourceBlobName(id));
        var (url, expiresAt) = await links.CreateAsync(
            blob, BlobSasPermissions.Create | BlobSasPermissions.Write, options.Value.UploadLinkLifetime, contentType: null, cancellationToken);

        await _table.AddEntityAsync(new Upload
        {
            PartitionKey = id,
            FileName = fileName,
            ContentType = type,
            DeclaredSizeBytes = command.SizeBytes.Value,
            Notify = string.IsNullOrEmpty(command.Notify) ? null : command.Notify,
            Owner = command.Caller.OwnerId,
            CreatedAt = clock.GetUtcNow(),
            LinkExpiresAt = expiresAt,
        }, cancellationToken);
        return new CreateUploadResult.Created(id, url, expiresAt);
    }
}
