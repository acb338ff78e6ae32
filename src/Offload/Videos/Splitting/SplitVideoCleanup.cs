using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Offload.Jobs;
using Offload.Storage;

namespace Offload.Videos.Splitting;

/// <summary>
/// Once a split video has ended (stitched, failed or cancelled) its parts' encodes are not needed: deleted. A retry
/// splits it anew. Told again (a redelivery), it finds nothing left to delete.
/// </summary>
public sealed class SplitVideoCleanup(BlobServiceClient blobs) : IJobEndListener
{
    public async Task JobEndedAsync(Job job, CancellationToken cancellationToken)
    {
        if (job is not { Kind: VideoJob.Kind, PartCount: > 0 })
            return;
        var outputs = blobs.GetBlobContainerClient(StorageNames.OutputsContainer);
        await foreach (var blob in outputs.GetBlobsAsync(BlobTraits.None, BlobStates.None, StorageNames.PartsPrefix(job.Id), cancellationToken))
            await outputs.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
    }
}
