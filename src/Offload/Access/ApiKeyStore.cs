using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Storage;

namespace Offload.Access;

/// <summary>What a presented key stands for, once checked.</summary>
public sealed record KeyIdentity(string Id, string Name, IReadOnlyList<string> Scopes)
{
    public string Owner => ApiKey.OwnerOf(Id);
}

/// <summary>
/// Makes, lists, revokes and checks API keys. A key is shown once, when it is made; only its hash is kept. What an
/// instance read about a key is trusted for <see cref="AuthOptions.KeyCacheDuration"/>, so a revoked key stops
/// working everywhere within that time while a busy key costs one table read per interval, not per request.
/// </summary>
public sealed partial class ApiKeyStore(TableServiceClient tables, TimeProvider clock, IOptions<AuthOptions> options, ILogger<ApiKeyStore> logger)
{
    /// <summary>The id under which the configured <see cref="AuthOptions.AdminKey"/> owns what it makes.</summary>
    public const string ConfiguredKeyId = "configured";

    // How stale "last used" may be: a write per key per minute at most, not one per request.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);
    private const int MaxCachedKeys = 10_000;

    private readonly TableClient _table = tables.GetTableClient(StorageNames.ApiKeysTable);
    private readonly ConcurrentDictionary<string, (KeyIdentity Identity, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);
    private readonly string? _configuredHash = string.IsNullOrEmpty(options.Value.AdminKey) ? null : ApiKeyFormat.Hash(options.Value.AdminKey);

    public async Task<(ApiKey Record, string Key)> CreateAsync(string name, IReadOnlyCollection<string> scopes, string? createdBy, CancellationToken cancellationToken)
    {
        var (id, key) = ApiKeyFormat.New();
        var record = new ApiKey
        {
            PartitionKey = id,
            Name = name,
            Scopes = string.Join(',', scopes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)),
            Hash = ApiKeyFormat.Hash(key),
            CreatedBy = createdBy,
            CreatedAt = clock.GetUtcNow(),
        };
        await _table.AddEntityAsync(record, cancellationToken);
        LogCreated(logger, id, name, record.Scopes);
        return (record, key);
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken)
    {
        var keys = new List<ApiKey>();
        await foreach (var key in _table.QueryAsync<ApiKey>(k => k.RowKey == ApiKey.RowKeyValue, cancellationToken: cancellationToken))
            keys.Add(key);
        return keys.OrderBy(k => k.CreatedAt).ToList();
    }

    /// <summary>Revokes the key; <c>null</c> when there is none with that id. Revoking twice keeps the first time.</summary>
    public async Task<ApiKey?> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        var found = await _table.GetEntityIfExistsAsync<ApiKey>(id, ApiKey.RowKeyValue, cancellationToken: cancellationToken);
        if (!found.HasValue || found.Value is not { } key)
            return null;
        if (key.RevokedAt is null)
        {
            key.RevokedAt = clock.GetUtcNow();
            await _table.UpdateEntityAsync(key, ETag.All, TableUpdateMode.Replace, cancellationToken);
            LogRevoked(logger, id, key.Name);
        }

        return key;
    }

    /// <summary>What <paramref name="presented"/> stands for; <c>null</c> for a key that is unknown, wrong or revoked.</summary>
    /// <exception cref="RequestFailedException">Storage could not be asked (the caller answers 503, not 401).</exception>
    public async Task<KeyIdentity?> AuthenticateAsync(string presented, CancellationToken cancellationToken)
    {
        if (_configuredHash is not null && ApiKeyFormat.HashMatches(presented, _configuredHash))
            return new KeyIdentity(ConfiguredKeyId, "Auth:AdminKey", [Scopes.Admin]);

        if (ApiKeyFormat.IdOf(presented) is not { } id)
            return null;
        var hash = ApiKeyFormat.Hash(presented);
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(hash, out var cached) && cached.Until > now)
            return cached.Identity;

        var found = await _table.GetEntityIfExistsAsync<ApiKey>(id, ApiKey.RowKeyValue, cancellationToken: cancellationToken);
        if (!found.HasValue || found.Value is not { } key || !ApiKeyFormat.HashMatches(presented, key.Hash) || key.RevokedAt is not null)
        {
            _cache.TryRemove(hash, out _);
            return null;
        }

        var identity = new KeyIdentity(key.Id, key.Name, key.ScopeList);
        if (_cache.Count >= MaxCachedKeys)
            _cache.Clear();
        _cache[hash] = (identity, now + options.Value.KeyCacheDuration);
        if (key.LastUsedAt is not { } last || now - last >= LastUsedResolution)
            await TouchAsync(key, now, cancellationToken);
        return identity;
    }

    private async Task TouchAsync(ApiKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await _table.UpdateEntityAsync(
                new TableEntity(key.PartitionKey, key.RowKey) { [nameof(ApiKey.LastUsedAt)] = now }, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (Exception ex) when (ex is RequestFailedException || StorageFaults.IsUnavailable(ex))
        {
            // "Last used" is for people reading the list: a key that checked out is not refused because it could not be
            // written (deleted by hand meanwhile, storage busy).
            LogTouchFailed(logger, key.Id, ex.Message);
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "API key {KeyId} '{KeyName}' made with scopes {Scopes}")]
    private static partial void LogCreated(ILogger logger, string keyId, string keyName, string scopes);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Could not record the use of API key {KeyId}: {Reason}")]
    private static partial void LogTouchFailed(ILogger logger, string keyId, string reason);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "API key {KeyId} '{KeyName}' revoked")]
    private static partial void LogRevoked(ILogger logger, string keyId, string keyName);
}
