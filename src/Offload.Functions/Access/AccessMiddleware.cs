using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Offload.Access;

namespace Offload.Functions.Access;

/// <summary>
/// The Functions host's gate: before an HTTP function runs, the policy its method names
/// (<c>[Authorize(Policy = ...)]</c>, or <c>[AllowAnonymous]</c>) is evaluated with the same schemes and policies the
/// server uses, and a refusal gets the same 401/403 answer. A function that names neither gets the fallback policy:
/// closed, not open.
/// </summary>
public sealed class AccessMiddleware(IAuthorizationPolicyProvider policies, IPolicyEvaluator evaluator) : IFunctionsWorkerMiddleware
{
    private static readonly ConcurrentDictionary<string, RouteAccess> Routes = new(StringComparer.Ordinal);

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http)
        {
            await next(context); // a queue trigger: nobody calls it over HTTP
            return;
        }

        var access = Routes.GetOrAdd(context.FunctionDefinition.EntryPoint, RouteAccess.Of);
        if (!access.AllowAnonymous)
        {
            var policy = (access.Policy is null ? await policies.GetFallbackPolicyAsync() : await policies.GetPolicyAsync(access.Policy))
                         ?? throw new InvalidOperationException($"{context.FunctionDefinition.Name} names the unknown policy '{access.Policy}'.");
            var authenticated = await evaluator.AuthenticateAsync(policy, http);
            var result = await evaluator.AuthorizeAsync(policy, authenticated, http, resource: null);
            if (!result.Succeeded)
            {
                await AccessResults.Denied(http, result.AuthorizationFailure).ExecuteAsync(http);
                return;
            }
        }

        await next(context);
    }

    /// <summary>Who may call one function, read once from its method's attributes.</summary>
    public sealed record RouteAccess(bool AllowAnonymous, string? Policy)
    {
        /// <summary>For an entry point such as <c>Offload.Functions.Videos.GetVideoFunction.RunAsync</c>.</summary>
        public static RouteAccess Of(string entryPoint)
        {
            var dot = entryPoint.LastIndexOf('.');
            var method = typeof(AccessMiddleware).Assembly.GetType(entryPoint[..dot])?.GetMethod(entryPoint[(dot + 1)..])
                         ?? throw new InvalidOperationException($"No function method '{entryPoint}'.");
            return Of(method);
        }

        public static RouteAccess Of(MethodInfo method) =>
            method.GetCustomAttribute<AllowAnonymousAttribute>() is not null
                ? new RouteAccess(true, null)
                : new RouteAccess(false, method.GetCustomAttribute<AuthorizeAttribute>()?.Policy);
    }
}
