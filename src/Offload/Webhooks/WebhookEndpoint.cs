using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace Offload.Webhooks;

/// <summary>
/// A registered endpoint (table <c>webhooks</c>, partition = <see cref="OwnerKey"/> of its owner, row = its id): where
/// the owner's events go, which events, and the secret that signs them. The secret is kept (a signature needs it) and
/// shown to its owner only once, when it is made.
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
    public string Secret { get; set; } = "";
    /// <summary>The secret before the last rotation, still signing until <see cref="PreviousSecretUntil"/>.</summary>
    public string? PreviousSecret { get; set; }
    public DateTimeOffset? PreviousSecretUntil { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SecretRotatedAt { get; set; }

    [IgnoreDataMember]
    public IReadOnlyList<string> EventList => Events.Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The secrets a delivery made at <paramref name="now"/> is signed with: the current one, and the previous one while the rotation overlaps.</summary>
    public IEnumerable<string> SecretsAt(DateTimeOffset now) =>
        PreviousSecret is { } previous && PreviousSecretUntil > now ? [Secret, previous] : [Secret];

    /// <summary>The partition of an owner's endpoints: a hash, as owner ids may hold characters table keys cannot.</summary>
    public static string OwnerKey(string owner) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(owner)));
}
