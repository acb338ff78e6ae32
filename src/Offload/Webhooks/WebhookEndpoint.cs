using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace Offload.Webhooks;

/// <summary>
/// A registered endpoint (table <c>webhooks</c>, partition = <see cref="OwnerKey"/> of its owner, row = its id): where
/// the owner's events go and which events. Its signing secret is a row of its own in <c>webhooksecrets</c>
/// (<see cref="WebhookSecret"/>), which only the app that delivers may read: the encoder, which publishes a video's
/// events, reads this table and never a secret.
/// </summary>
public sealed class WebhookEndpoint : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    [IgnoreDataMember]
    public string Id => RowKey;
    public string Owner { get; set; } = "";
    public string Url { get; set; } = "";
    /// <summary>The events it receives, comma-separated.</summary>
    public string Events { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SecretRotatedAt { get; set; }

    [IgnoreDataMember]
    public IReadOnlyList<string> EventList => Events.Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The partition of an owner's endpoints (and of their secrets): a hash, as owner ids may hold characters table keys cannot.</summary>
    public static string OwnerKey(string owner) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(owner)));
}

/// <summary>
/// An endpoint's signing secret (table <c>webhooksecrets</c>, the same keys as its <see cref="WebhookEndpoint"/>): kept,
/// as a signature needs it, and shown to its owner only when it is made.
/// </summary>
public sealed class WebhookSecret : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Secret { get; set; } = "";
    /// <summary>The secret before the last rotation, still signing until <see cref="PreviousSecretUntil"/>.</summary>
    public string? PreviousSecret { get; set; }
    public DateTimeOffset? PreviousSecretUntil { get; set; }

    /// <summary>The secrets a delivery made at <paramref name="now"/> is signed with: the current one, and the previous one while the rotation overlaps.</summary>
    public IEnumerable<string> SecretsAt(DateTimeOffset now) =>
        PreviousSecret is { } previous && PreviousSecretUntil > now ? [Secret, previous] : [Secret];
}
