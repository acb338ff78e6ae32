using Offload.Access;
using Offload.Http;

namespace Offload.Videos;

/// <summary>The video API's routes, relative to <see cref="ApiRoutes.Prefix"/>; all need <see cref="Policy"/>.</summary>
public static class VideoRoutes
{
    public const string Policy = Scopes.Videos;

    public const string Videos = "videos";
    public const string Video = "videos/{id}";
    public const string Output = "videos/{id}/output";
    public const string Retry = "videos/{id}/retry";
    public const string Poster = "videos/{id}/poster";
    public const string Picture = "videos/{id}/pictures/{name}";

    public static string StatusPath(string id) => $"{ApiRoutes.Prefix}/videos/{id}";

    public static string OutputPath(string id) => $"{ApiRoutes.Prefix}/videos/{id}/output";

    public static string PosterPath(string id) => $"{ApiRoutes.Prefix}/videos/{id}/poster";

    public static string PicturePath(string id, string name) => $"{ApiRoutes.Prefix}/videos/{id}/pictures/{name}";
}
