using Azure.Storage.Blobs;
using Azure.Storage.Sas;

namespace Offload.Storage;

/// <summary>
/// Short-lived SAS links to one blob. With an account key (Azurite, a connection string) they are signed with the key;
/// with a managed identity (Azure, where shared keys are off) with a user delegation key.
/// </summary>
public sealed class BlobLinks(BlobServiceClient blobs, TimeProvider clock)
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public async Task<(Uri Url, DateTimeOffset ExpiresAt)> CreateAsync(
        BlobClient blob, BlobSasPermissions permissions, TimeSpan lifetime, string? contentType, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var snapshot = new BlobUriBuilder(blob.Uri).Snapshot;
        var sas = new BlobSasBuilder(permissions, now + lifetime)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            // This blob only (or this snapshot of it): not the container, not a listing.
            Resource = string.IsNullOrEmpty(snapshot) ? "b" : "bs",
            Snapshot = string.IsNullOrEmpty(snapshot) ? null : snapshot,
            StartsOn = now - ClockSkew,
            ContentType = contentType,
            Protocol = blob.Uri.Scheme == "https" ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };

        if (blob.CanGenerateSasUri)
            return (blob.GenerateSasUri(sas), sas.ExpiresOn);

        var key = await blobs.GetUserDelegationKeyAsync(sas.StartsOn, sas.ExpiresOn, cancellationToken);
        var builder = new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key.Value, blobs.AccountName) };
        return (builder.ToUri(), sas.ExpiresOn);
    }
}
