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

    public abstract record CreateResult
    {
        public sealed record Created(WebhookEndpoint Endpoint) : CreateResult;
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
            Secret = WebhookSignature.NewSecret(),
            CreatedAt = clock.GetUtcNow(),
        };
        await _table.AddEntityAsync(endpoint, cancellationToken);
        return new CreateResult.Created(endpoint);
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
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>A new secret; the old one keeps signing for <see cref="WebhookOptions.RotationOverlap"/>. <c>null</c> when there is no such endpoint.</summary>
    public async Task<WebhookEndpoint?> RotateSecretAsync(string owner, string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await GetAsync(owner, id, cancellationToken) is not { } endpoint)
                return null;
            var now = clock.GetUtcNow();
            endpoint.PreviousSecret = endpoint.Secret;
            endpoint.PreviousSecretUntil = now + options.Value.RotationOverlap;
            endpoint.Secret = WebhookSignature.NewSecret();
            endpoint.SecretRotatedAt = now;
            try
            {
                await _table.UpdateEntityAsync(endpoint, endpoint.ETag, TableUpdateMode.Replace, cancellationToken);
                return endpoint;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // rotated at the same moment by another request: rotate what it stored
            }
        }
    }
}
