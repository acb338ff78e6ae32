namespace Offload.Videos;

/// <summary>
/// The video API's routes, relative to the <c>/api</c> prefix both hosts use
/// (the Functions host's default route prefix, mapped as a route group by the server).
/// </summary>
public static class VideoRoutes
{
    public const string Prefix = "/api";
    public const string Videos = "videos";
    public const string Video = "videos/{id}";
    public const string Output = "videos/{id}/output";

    public static string StatusPath(string id) => $"{Prefix}/videos/{id}";

    public static string OutputPath(string id) => $"{Prefix}/videos/{id}/output";
}
