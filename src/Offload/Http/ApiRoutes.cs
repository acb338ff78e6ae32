namespace Offload.Http;

/// <summary>
/// Both hosts serve the API under <c>/api</c>: the Functions host's default route prefix, mapped as a route group by
/// the server. Each capability's routes are relative to it (<c>VideoRoutes</c>, <c>EmailRoutes</c>).
/// </summary>
public static class ApiRoutes
{
    public const string Prefix = "/api";

    /// <summary>
    /// The OpenAPI document of every route, served by both hosts without a credential: the server generates it from
    /// its endpoints, the Functions host serves the copy of it checked in beside it.
    /// </summary>
    public const string Document = "openapi.json";
}
