using Microsoft.AspNetCore.Authorization;

namespace Offload.Access;

/// <summary>A route's need for one scope; <see cref="Scopes.Admin"/> meets every one.</summary>
public sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

public sealed class ScopeAuthorizationHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.User.HasClaim(Caller.ScopeClaim, requirement.Scope) || context.User.HasClaim(Caller.ScopeClaim, Scopes.Admin))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
