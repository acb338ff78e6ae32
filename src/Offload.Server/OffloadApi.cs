using Offload.Health;
using Offload.Videos;

namespace Offload.Server;

/// <summary>The HTTP routes: thin adapters over the shared <see cref="VideoApi"/> and <see cref="HealthApi"/>.</summary>
public static class OffloadApi
{
    public static IEndpointRouteBuilder MapOffloadApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(VideoRoutes.Prefix);
        api.MapGet(HealthApi.Route, (HealthApi health, CancellationToken ct) => health.GetAsync(ct));
        api.MapPost(VideoRoutes.Videos, (HttpRequest request, VideoApi videos, CancellationToken ct) => videos.UploadAsync(request, ct));
        api.MapGet(VideoRoutes.Video, (string id, VideoApi videos, CancellationToken ct) => videos.GetAsync(id, ct));
        api.MapGet(VideoRoutes.Output, (string id, VideoApi videos, CancellationToken ct) => videos.GetOutputAsync(id, ct));
        return app;
    }
}
