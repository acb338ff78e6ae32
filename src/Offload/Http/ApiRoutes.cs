namespace Offload.Http;

/// <summary>
/// Both hosts serve the API under <c>/api</c>: the Functions host's default route prefix, mapped as a route group by
/// the server. Each capability's routes are relative to it (<c>VideoRoutes</c>, <c>EmailRoutes</c>).
/// </summary>
public static class ApiRoutes
{
    public const string Prefix = "/api";
}
