namespace Offload.Http;

/// <summary>
/// Both hosts serve the API under <c>/api</c>: the server as a route group, the Functions host as the start of each
/// function's route (<see cref="FunctionsPrefix"/>). Each capability's routes are relative to it (<c>VideoRoutes</c>, <c>EmailRoutes</c>).
/// </summary>
public static class ApiRoutes
{
    public const string Prefix = "/api";

    /// <summary>
    /// What each of the Functions host's HTTP functions puts before its route: that host serves from its root
    /// (host.json's <c>routePrefix</c> is empty), so the dashboard's page can be at <c>/dashboard</c> as on the server.
    /// </summary>
    public const string FunctionsPrefix = "api/";

    /// <summary>
    /// The OpenAPI document of every route, served by both hosts without a credential: the server generates it from
    /// its endpoints, the Functions host serves the copy of it checked in beside it.
    /// </summary>
    public const string Document = "openapi.json";
}
