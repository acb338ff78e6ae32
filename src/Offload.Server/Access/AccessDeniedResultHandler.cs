using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Offload.Access;

namespace Offload.Server.Access;

/// <summary>
/// What the authorization middleware sends when a route's policy refuses: the shared 401/403/503 answers of
/// <see cref="AccessResults"/>, the same bytes the Functions host's middleware sends.
/// </summary>
public sealed class AccessDeniedResultHandler : IAuthorizationMiddlewareResultHandler
{
    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult) =>
        authorizeResult.Succeeded ? next(context) : AccessResults.Denied(context, authorizeResult.AuthorizationFailure).ExecuteAsync(context);
}
