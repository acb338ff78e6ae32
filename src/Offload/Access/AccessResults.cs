using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Offload.Http;

namespace Offload.Access;

/// <summary>
/// The answers to a caller who may not go on, the same from both hosts: 401 with <c>WWW-Authenticate: Bearer</c>
/// (RFC 6750) when there is no valid credential, 403 naming the missing scope, 503 when storage could not say.
/// </summary>
public static class AccessResults
{
    private const string StorageUnavailableItem = "offload.access.storage-unavailable";

    public static void MarkStorageUnavailable(HttpContext context) => context.Items[StorageUnavailableItem] = true;

    /// <summary>The answer to a request its route's policy refused: 401 when nobody is authenticated, else 403.</summary>
    public static IResult Denied(HttpContext context, AuthorizationFailure? failure) =>
        context.User.Identity?.IsAuthenticated == true
            ? Forbidden(failure?.FailedRequirements.OfType<ScopeRequirement>().FirstOrDefault()?.Scope)
            : Unauthenticated(context);

    /// <summary>No credential, or one that did not check out.</summary>
    public static IResult Unauthenticated(HttpContext context)
    {
        if (context.Items.ContainsKey(StorageUnavailableItem))
            return ApiResults.StorageUnavailable("Nothing was done: the credential could not be checked.");

        var presented = BearerCredential.Of(context.Request) is not null;
        var challenge = presented ? $"{BearerCredential.Scheme} realm=\"offload\", error=\"invalid_token\"" : $"{BearerCredential.Scheme} realm=\"offload\"";
        return ApiResults.WithHeader(presented
            ? ApiResults.Problem(StatusCodes.Status401Unauthorized, "The credential is not valid.",
                "The API key is unknown or revoked, or the token has expired or is not for this API.")
            : ApiResults.Problem(StatusCodes.Status401Unauthorized, "Authentication is required.",
                "Send 'Authorization: Bearer <API key or Entra ID token>'."), HeaderNames.WWWAuthenticate, challenge);
    }

    /// <summary>A valid credential without the scope the route needs.</summary>
    public static IResult Forbidden(string? scope) => ApiResults.Problem(StatusCodes.Status403Forbidden,
        "This credential may not do that.",
        scope is null ? null : $"It needs the '{scope}' scope (or '{Scopes.Admin}').",
        scope is null ? null : new Dictionary<string, object?> { ["requiredScope"] = scope });
}
