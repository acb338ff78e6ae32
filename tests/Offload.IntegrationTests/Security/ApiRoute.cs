using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Offload.Access;
using Offload.Functions.Access;

namespace Offload.IntegrationTests.Security;

/// <summary>
/// Every HTTP route of the API, read from the Functions host's own classes (route, method, and the scope its
/// <c>[Authorize]</c> names), so a test of "every route" cannot miss one, and the server is held to the same rules.
/// </summary>
public sealed record ApiRoute(string Function, string Method, string Route, bool Anonymous, string? Policy)
{
    public static IReadOnlyList<ApiRoute> All { get; } = typeof(AccessMiddleware).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods())
        .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
        .Select(m => (Method: m, Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>().SingleOrDefault()))
        .Where(f => f.Trigger is not null)
        .Select(f =>
        {
            var access = AccessMiddleware.RouteAccess.Of(f.Method);
            return new ApiRoute(f.Method.GetCustomAttribute<FunctionAttribute>()!.Name, f.Trigger!.Methods!.Single().ToUpperInvariant(),
                f.Trigger.Route!, access.AllowAnonymous, access.Policy);
        })
        .OrderBy(r => r.Function, StringComparer.Ordinal)
        .ToList();

    public static TheoryData<string> Protected()
    {
        var data = new TheoryData<string>();
        foreach (var route in All.Where(r => !r.Anonymous))
            data.Add(route.Function);
        return data;
    }

    public static ApiRoute Named(string function) => All.Single(r => r.Function == function);

    /// <summary>
    /// A request to this route for a well-formed id that exists nowhere (or a template that exists: templates are
    /// everyone's), with a small JSON body on writes.
    /// </summary>
    public HttpRequestMessage Request()
    {
        var id = Route.StartsWith(Offload.Http.ApiRoutes.FunctionsPrefix + KeyRoutes.Keys, StringComparison.Ordinal) ? "0123456789abcdef" : Offload.Jobs.JobId.New();
        var path = Route.Replace("{id}", id, StringComparison.Ordinal).Replace("{name}", "welcome", StringComparison.Ordinal);
        var request = new HttpRequestMessage(new HttpMethod(Method), "/" + path);
        if (Method == "POST")
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        return request;
    }

    public override string ToString() => $"{Method} /{Route}";
}
