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
        if (job is not { Kind: VideoJob.Kind, PartCount: > 0, PartsKey: { } key })
            return;
        // Only the pieces of the split that ended: an end told late, after a retry split the video anew, leaves the new one's.
        var outputs = blobs.GetBlobContainerClient(StorageNames.OutputsContainer);
        for (var i = 0; i < job.PartCount; i++)
        {
            var prefix = StorageNames.PartsPrefix(job.Id) + JobParts.IdOf(job.Id, key, i) + "-";
            await foreach (var blob in outputs.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
                await outputs.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
        }
    }
}
