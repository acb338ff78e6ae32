using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Offload.Storage;

namespace Offload.Idempotency;

/// <summary>
/// A remembered <c>Idempotency-Key</c> (table <c>idempotency</c>, partition = SHA-256 of owner, scope and key, so any
/// key is a valid table key and two owners' keys never meet): the job the first request with that key made, and that
/// request's fingerprint.
/// </summary>
public sealed class IdempotencyRecord : ITableEntity
{
    public const string RowKeyValue = "key";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = RowKeyValue;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Owner { get; set; } = "";
    public string Scope { get; set; } = "";
    public string JobId { get; set; } = "";
    public string Fingerprint { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// Idempotency keys (the IETF <c>Idempotency-Key</c> header, as Stripe and others use it): a client that is not sure
/// its request arrived sends it again with the same key and gets the same job, and no new work is done. The same key
/// with a different request is refused. A key is remembered for <see cref="Lifetime"/>; after that it may be reused.
/// </summary>
public sealed class IdempotencyKeys(TableServiceClient tables, TimeProvider clock)
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeaderName = "Idempotent-Replayed";
    public const int MaxLength = 255;
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    private readonly TableClient _table = tables.GetTableClient(StorageNames.IdempotencyTable);

    /// <summary>1 to 255 printable ASCII characters.</summary>
    public static bool IsValid(string key) => key.Length is > 0 and <= MaxLength && key.All(c => c is >= ' ' and <= '~');

    /// <summary>A fingerprint of a request: the SHA-256 of its parts, each length-prefixed so no two requests share one.</summary>
    public static string Fingerprint(params string?[] parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
            text.Append(part?.Length ?? -1).Append(':').Append(part).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>
    /// The record of <paramref name="owner"/>'s <paramref name="key"/> in <paramref name="scope"/> (e.g. "videos"), or
    /// <c>null</c> when it is new or expired. Keys are per owner: two callers using the same string never collide.
    /// </summary>
    public async Task<IdempotencyRecord?> FindAsync(string owner, string scope, string key, CancellationToken cancellationToken)
    {
        var found = await _table.GetEntityIfExistsAsync<IdempotencyRecord>(PartitionOf(owner, scope, key), IdempotencyRecord.RowKeyValue, cancellationToken: cancellationToken);
        return found.HasValue && found.Value is { } record && !IsExpired(record) ? record : null;
    }

    /// <summary>
    /// Takes <paramref name="key"/> for the job <paramref name="jobId"/>. Returns <c>null</c> when this request now owns
    /// the key, or the record of the request that got there first (two requests with one key at the same time).
    /// </summary>
    public async Task<IdempotencyRecord?> TryClaimAsync(string owner, string scope, string key, string fingerprint, string jobId, CancellationToken cancellationToken)
    {
        var record = new IdempotencyRecord
        {
            PartitionKey = PartitionOf(owner, scope, key),
            Owner = owner,
            Scope = scope,
            JobId = jobId,
            Fingerprint = fingerprint,
            CreatedAt = clock.GetUtcNow(),
        };
        while (true)
        {
            try
            {
                await _table.AddEntityAsync(record, cancellationToken);
                return null;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                var held = (await _table.GetEntityIfExistsAsync<IdempotencyRecord>(record.PartitionKey, record.RowKey, cancellationToken: cancellationToken)).Value;
                if (held is null)
                    continue; // deleted meanwhile: try again
                if (!IsExpired(held))
                    return held;
                try
                {
                    await _table.UpdateEntityAsync(record, held.ETag, TableUpdateMode.Replace, cancellationToken);
                    return null;
                }
                catch (RequestFailedException stale) when (stale.Status is 412 or 404)
                {
                    // another request took the expired key first: look again
                }
            }
        }
    }

    private bool IsExpired(IdempotencyRecord record) => clock.GetUtcNow() - record.CreatedAt > Lifetime;

    private static string PartitionOf(string owner, string scope, string key) => Fingerprint(owner, scope, key);
}
