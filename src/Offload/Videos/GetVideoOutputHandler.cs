using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Microsoft.Extensions.Options;
using Offload.Access;
using Offload.Jobs;
using Offload.Storage;
using Offload.Videos.Pictures;

namespace Offload.Videos;

public abstract record GetVideoOutputResult
{
    public sealed record NotFound : GetVideoOutputResult;
    public sealed record NotReady(string Status) : GetVideoOutputResult;

    /// <summary>The video has no picture of that name: <paramref name="Names"/> are those it has (none if it was encoded before pictures were made).</summary>
    public sealed record NoSuchPicture(IReadOnlyList<string> Names) : GetVideoOutputResult;

    public sealed record Ready(Uri DownloadUrl) : GetVideoOutputResult;

    /// <summary>A file made on request: the storyboard's WebVTT, with a fresh link to its sprite.</summary>
    public sealed record Text(string Content, string ContentType) : GetVideoOutputResult;
}

/// <summary>
/// Hands out what an encode made: the MP4 (<c>outputs/{id}/{run}.mp4</c>; <c>outputs/{id}.mp4</c> for older jobs) and
/// its pictures, each as a short-lived, read-only SAS link to the blob the job names in its result, so the bytes go
/// from Blob Storage to the client without passing through the app; and the storyboard's WebVTT, written on request
/// with such a link to the sprite in every cue (a player fetches the tiles without the caller's key).
/// </summary>
public sealed class GetVideoOutputHandler(JobStore jobs, BlobServiceClient blobs, BlobLinks links, IOptions<VideoOptions> options)
{
    public async Task<GetVideoOutputResult> HandleAsync(Caller caller, string id, CancellationToken cancellationToken) =>
        await FindAsync(caller, id, cancellationToken) switch
        {
            ({ } output, null) => await LinkAsync(StorageNames.OutputBlobNameOf(id, output.BlobName), "video/mp4", cancellationToken),
            (_, var refusal) => refusal!,
        };

    /// <summary>A picture by its name (<see cref="VideoPictures.Files"/>, or <see cref="VideoPictures.StoryboardVttName"/>).</summary>
    public async Task<GetVideoOutputResult> HandlePictureAsync(Caller caller, string id, string name, CancellationToken cancellationToken)
    {
        var (output, refusal) = await FindAsync(caller, id, cancellationToken);
        if (refusal is not null)
            return refusal;
        if (output!.Pictures is not { } pictures)
            return new GetVideoOutputResult.NoSuchPicture([]);

        if (name == VideoPictures.StoryboardVttName)
        {
            var sprite = (GetVideoOutputResult.Ready)await LinkAsync(pictures.Storyboard.BlobName, "image/jpeg", cancellationToken);
            return new GetVideoOutputResult.Text(pictures.Storyboard.Vtt(sprite.DownloadUrl.AbsoluteUri), "text/vtt; charset=utf-8");
        }

        return pictures.Files.FirstOrDefault(f => f.Name == name) is { BlobName: { } blobName }
            ? await LinkAsync(blobName, "image/jpeg", cancellationToken)
            : new GetVideoOutputResult.NoSuchPicture([.. pictures.Files.Select(f => f.Name), VideoPictures.StoryboardVttName]);
    }

    /// <summary>The output of the caller's succeeded video job, or why there is none.</summary>
    private async Task<(VideoOutput? Output, GetVideoOutputResult? Refusal)> FindAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var job = await jobs.FindAsync(id, VideoJob.Kind, caller, cancellationToken);
        if (job is null)
            return (null, new GetVideoOutputResult.NotFound());
        if (job.Status != JobStatus.Succeeded)
            return (null, new GetVideoOutputResult.NotReady(job.Status));
        return (job.ResultAs<VideoOutput>() ?? new VideoOutput(null, 0, 0, 0, 0, "", null), null);
    }

    private async Task<GetVideoOutputResult> LinkAsync(string blobName, string contentType, CancellationToken cancellationToken)
    {
        var blob = blobs.GetBlobContainerClient(StorageNames.OutputsContainer).GetBlobClient(blobName);
        var (url, _) = await links.CreateAsync(blob, BlobSasPermissions.Read, options.Value.DownloadLinkLifetime, contentType, cancellationToken);
        return new GetVideoOutputResult.Ready(url);
    }
}
