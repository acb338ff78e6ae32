using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Microsoft.Extensions.Options;
using Offload.Access;
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
/// Hands out the encoded MP4 as a short-lived, read-only SAS link to the blob the job names as its result
/// (<c>outputs/{id}/{run}.mp4</c>; <c>outputs/{id}.mp4</c> for older jobs), so the bytes go
/// from Blob Storage to the client without passing through the app.
/// </summary>
public sealed class GetVideoOutputHandler(JobStore jobs, BlobServiceClient blobs, BlobLinks links, IOptions<VideoOptions> options)
{
    public async Task<GetVideoOutputResult> HandleAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var job = await jobs.FindAsync(id, VideoJob.Kind, caller, cancellationToken);
        if (job is null)
            return new GetVideoOutputResult.NotFound();
        if (job.Status != JobStatus.Succeeded)
            return new GetVideoOutputResult.NotReady(job.Status);

        var blob = blobs.GetBlobContainerClient(StorageNames.OutputsContainer).GetBlobClient(StorageNames.OutputBlobNameOf(id, job.ResultAs<VideoOutput>()?.BlobName));
        var (url, _) = await links.CreateAsync(blob, BlobSasPermissions.Read, options.Value.DownloadLinkLifetime, "video/mp4", cancellationToken);
        return new GetVideoOutputResult.Ready(url);
    }
}
