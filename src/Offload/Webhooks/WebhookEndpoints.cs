using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Storage;

namespace Offload.Webhooks;

/// <summary>Stores an owner's endpoints. Every read is by owner: nobody reaches an endpoint that is not theirs.</summary>
public sealed class WebhookEndpoints(TableServiceClient tables, IOptions<WebhookOptions> options, TimeProvider clock)
{
    private readonly TableClient _table = tables.GetTableClient(StorageNames.WebhooksTable);
    private readonly TableClient _secrets = tables.GetTableClient(StorageNames.WebhookSecretsTable);
    private readonly ConcurrentDictionary<string, (Lazy<Task<IReadOnlyList<WebhookEndpoint>>> Endpoints, DateTimeOffset Until)> _forEvents = new(StringComparer.Ordinal);
    private const int MaxCachedOwners = 10_000;

    public abstract record CreateResult
    {
        public sealed record Created(WebhookEndpoint Endpoint, string Secret) : CreateResult;
        public sealed record TooMany(int Max) : CreateResult;
    }

    public async Task<CreateResult> CreateAsync(string owner, Uri url, IReadOnlyCollection<string> events, CancellationToken cancellationToken)
    {
        var existing = await ListAsync(owner, cancellationToken);
        if (existing.Count >= options.Value.MaxEndpointsPerOwner)
            return new CreateResult.TooMany(options.Value.MaxEndpointsPerOwner);

        var endpoint = new WebhookEndpoint
        {
            PartitionKey = WebhookEndpoint.OwnerKey(owner),
            RowKey = JobId.New(),
            Owner = owner,
            Url = url.AbsoluteUri,
            Events = string.Join(',', events),
            CreatedAt = clock.GetUtcNow(),
        };
        var secret = new WebhookSecret { PartitionKey = endpoint.PartitionKey, RowKey = endpoint.RowKey, Secret = WebhookSignature.NewSecret() };
        // The secret first: an endpoint that is listed can always be signed for.
        await _secrets.AddEntityAsync(secret, cancellationToken);
        await _table.AddEntityAsync(endpoint, cancellationToken);
        _forEvents.TryRemove(owner, out _);
        return new CreateResult.Created(endpoint, secret.Secret);
    }

    /// <summary>
    /// The owner's endpoints as a job's end looks them up (<see cref="PublishWebhookEvents"/>): read at most once per
    /// <see cref="WebhookOptions.EndpointCacheDuration"/> per owner and instance, so a burst of jobs costs one query, not
    /// one each (most owners have no endpoint at all). A change made through this instance counts at once; one made
    /// through another (the api app, while the encode app ends a video) within that time.
    /// </summary>
    public async Task<IReadOnlyList<WebhookEndpoint>> ListForEventsAsync(string owner, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_forEvents.Count >= MaxCachedOwners)
            _forEvents.Clear(); // many owners: start again rather than grow without bound
        // Jobs that end together share one query (32 emails at once would otherwise each ask before the first answer).
        var fresh = (new Lazy<Task<IReadOnlyList<WebhookEndpoint>>>(() => ListAsync(owner, CancellationToken.None)), now + options.Value.EndpointCacheDuration);
        var entry = _forEvents.AddOrUpdate(owner, fresh, (_, current) => current.Until > now && !current.Endpoints.Value.IsFaulted ? current : fresh);
        try
        {
            return await entry.Endpoints.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (entry.Endpoints.Value.IsFaulted)
        {
            _forEvents.TryRemove(KeyValuePair.Create(owner, entry)); // the next job's end asks again
            throw;
        }
    }

    public async Task<IReadOnlyList<WebhookEndpoint>> ListAsync(string owner, CancellationToken cancellationToken)
    {
        var partition = WebhookEndpoint.OwnerKey(owner);
        var endpoints = new List<WebhookEndpoint>();
        await foreach (var endpoint in _table.QueryAsync<WebhookEndpoint>(e => e.PartitionKey == partition, cancellationToken: cancellationToken))
            endpoints.Add(endpoint);
        return endpoints.OrderBy(e => e.CreatedAt).ToList();
    }

    /// <summary>The owner's endpoint, or <c>null</c> (another owner's is <c>null</c> too).</summary>
    public async Task<WebhookEndpoint?> GetAsync(string owner, string id, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<WebhookEndpoint>(WebhookEndpoint.OwnerKey(owner), id, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    public async Task<bool> DeleteAsync(string owner, string id, CancellationToken cancellationToken)
    {
        // Read first: a delete of a row that is not there is not an error everywhere (Azurite answers 204).
        if (await GetAsync(owner, id, cancellationToken) is not { } endpoint)
            return false;
        try
        {
            await _table.DeleteEntityAsync(endpoint.PartitionKey, endpoint.RowKey, ETag.All, cancellationToken);
            _forEvents.TryRemove(owner, out _);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }

        try
        {
            await _secrets.DeleteEntityAsync(endpoint.PartitionKey, endpoint.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // never stored, or deleted by a request at the same moment
        }

        return true;
    }

    /// <summary>What signs the owner's endpoint's deliveries; <c>null</c> when the endpoint is gone.</summary>
    public async Task<WebhookSecret?> GetSecretAsync(string owner, string id, CancellationToken cancellationToken)
    {
        var response = await _secrets.GetEntityIfExistsAsync<WebhookSecret>(WebhookEndpoint.OwnerKey(owner), id, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>A new secret; the old one keeps signing for <see cref="WebhookOptions.RotationOverlap"/>. <c>null</c> when there is no such endpoint.</summary>
    public async Task<(WebhookEndpoint Endpoint, WebhookSecret Secret)?> RotateSecretAsync(string owner, string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await GetAsync(owner, id, cancellationToken) is not { } endpoint || await GetSecretAsync(owner, id, cancellationToken) is not { } secret)
                return null;
            var now = clock.GetUtcNow();
            secret.PreviousSecret = secret.Secret;
            secret.PreviousSecretUntil = now + options.Value.RotationOverlap;
            secret.Secret = WebhookSignature.NewSecret();
            try
            {
                await _secrets.UpdateEntityAsync(secret, secret.ETag, TableUpdateMode.Replace, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                continue; // rotated at the same moment by another request: rotate what it stored
            }

            endpoint.SecretRotatedAt = now;
            await _table.UpsertEntityAsync(endpoint, TableUpdateMode.Replace, cancellationToken);
            return (endpoint, secret);
        }
    }
}
