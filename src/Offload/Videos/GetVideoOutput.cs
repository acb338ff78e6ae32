using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Storage;

namespace Offload.Videos;

public abstract record GetVideoOutputResult
{
    public sealed record NotFound : GetVideoOutputResult;
    public sealed record NotReady(string Status) : GetVideoOutputResult;
    public sealed record Ready(Uri DownloadUrl) : GetVideoOutputResult;
}

/// <summary>
/// Hands out the encoded MP4 as a short-lived, read-only SAS link to <c>outputs/{id}.mp4</c>, so the bytes go
/// from Blob Storage to the client without passing through the app. With an account key (Azurite, a connection
/// string) it signs with the key; with a managed identity it signs with a user delegation key.
/// </summary>
public sealed class GetVideoOutputHandler(JobStore jobs, BlobServiceClient blobs, IOptions<VideoOptions> options, TimeProvider clock)
{
    public async Task<GetVideoOutputResult> HandleAsync(string id, CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(id, cancellationToken);
        if (job is not { Kind: JobKinds.Video })
            return new GetVideoOutputResult.NotFound();
        if (job.Status != JobStatus.Succeeded)
            return new GetVideoOutputResult.NotReady(job.Status);

        var blob = blobs.GetBlobContainerClient(StorageNames.OutputsContainer).GetBlobClient(StorageNames.OutputBlobName(id));
        var now = clock.GetUtcNow();
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, now + options.Value.DownloadLinkLifetime)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            StartsOn = now.AddMinutes(-5), // clock skew between this host and the storage service
            ContentType = "video/mp4",
        };

        if (blob.CanGenerateSasUri)
            return new GetVideoOutputResult.Ready(blob.GenerateSasUri(sas));

        var key = await blobs.GetUserDelegationKeyAsync(sas.StartsOn, sas.ExpiresOn, cancellationToken);
        var builder = new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key.Value, blobs.AccountName) };
        return new GetVideoOutputResult.Ready(builder.ToUri());
    }
}
