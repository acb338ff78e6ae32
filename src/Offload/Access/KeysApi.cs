using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Offload.Http;

namespace Offload.Access;

/// <summary>The key-management routes, relative to <see cref="ApiRoutes.Prefix"/>; all need <see cref="Scopes.Admin"/>.</summary>
public static class KeyRoutes
{
    public const string Keys = "keys";
    public const string Key = "keys/{id}";
    public const string Policy = Scopes.Admin;

    public static string KeyPath(string id) => $"{ApiRoutes.Prefix}/keys/{id}";
}

public sealed record CreateKeyRequest(string? Name, IReadOnlyList<string>? Scopes);

/// <summary>POST, GET and DELETE /api/keys, written once for both hosts.</summary>
public sealed class KeysApi(ApiKeyStore keys)
{
    public const int MaxNameLength = 100;

    /// <summary>POST /api/keys <c>{"name", "scopes"}</c> → 201 with the key, shown this once.</summary>
    public Task<IResult> CreateAsync(HttpRequest request, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            var (body, error) = await ApiResults.ReadJsonAsync<CreateKeyRequest>(request, "key request", "{\"name\", \"scopes\": [\"videos\"]}", cancellationToken);
            if (body is null)
                return error!;
            if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > MaxNameLength || body.Name.Any(char.IsControl))
                return ApiResults.InvalidField("name", $"'name' must be 1 to {MaxNameLength} printable characters, e.g. the app that will use the key.");
            if (body.Scopes is not { Count: > 0 } scopes || scopes.Any(s => s is null || !Scopes.IsKnown(s)))
                return ApiResults.InvalidField("scopes", $"'scopes' must list one or more of: {string.Join(", ", Scopes.All)}.");

            var (record, key) = await keys.CreateAsync(body.Name.Trim(), scopes, Caller.From(user).OwnerId, cancellationToken);
            return Results.Json(new CreatedKey(record.Id, key, record.Name, record.ScopeList, record.CreatedAt), ApiResults.Json,
                statusCode: StatusCodes.Status201Created);
        });

    /// <summary>GET /api/keys: every key, without secrets.</summary>
    public Task<IResult> ListAsync(CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
            ApiResults.Ok(new KeyList((await keys.ListAsync(cancellationToken)).Select(KeyView.From).ToList())));

    /// <summary>DELETE /api/keys/{id}: revoked on every instance within <see cref="AuthOptions.KeyCacheDuration"/>.</summary>
    public Task<IResult> RevokeAsync(string id, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            if (!ApiKeyFormat.IsValidId(id))
                return ApiResults.BadRequest("That is not a key id.", $"Key ids are {ApiKeyFormat.IdLength} lower-case hex characters; got '{id}'.");
            return await keys.RevokeAsync(id, cancellationToken) is { } revoked
                ? ApiResults.Ok(KeyView.From(revoked))
                : ApiResults.NotFound($"There is no key '{id}'.");
        });

    public sealed record CreatedKey(string Id, string Key, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt);

    public sealed record KeyList(IReadOnlyList<KeyView> Keys);

    public sealed record KeyView(string Id, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
    {
        public static KeyView From(ApiKey key) => new(key.Id, key.Name, key.ScopeList, key.CreatedAt, key.LastUsedAt, key.RevokedAt);
    }
}
