using Offload.Email;
using Offload.Health;
using Offload.Http;
using Offload.Jobs;
using Offload.Uploads;
using Offload.Videos;

namespace Offload.Server;

/// <summary>The HTTP routes: thin adapters over the shared <see cref="VideoApi"/>, <see cref="EmailApi"/>, <see cref="JobApi"/> and <see cref="HealthApi"/>.</summary>
public static class OffloadApi
{
    public static IEndpointRouteBuilder MapOffloadApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(ApiRoutes.Prefix);
        api.MapGet(HealthApi.Route, (HealthApi health, CancellationToken ct) => health.GetAsync(ct));
        api.MapPost(VideoRoutes.Videos, (HttpRequest request, VideoApi videos, CancellationToken ct) => videos.UploadAsync(request, ct));
        api.MapGet(VideoRoutes.Video, (string id, VideoApi videos, CancellationToken ct) => videos.GetAsync(id, ct));
        api.MapDelete(VideoRoutes.Video, (string id, VideoApi videos, CancellationToken ct) => videos.CancelAsync(id, ct));
        api.MapGet(VideoRoutes.Output, (string id, VideoApi videos, CancellationToken ct) => videos.GetOutputAsync(id, ct));
        api.MapPost(VideoRoutes.Retry, (string id, JobApi jobs, CancellationToken ct) => jobs.RetryAsync(id, JobKinds.Video, VideoRoutes.StatusPath, ct));
        api.MapPost(UploadRoutes.Uploads, (HttpRequest request, UploadApi uploads, CancellationToken ct) => uploads.CreateAsync(request, ct));
        api.MapPost(UploadRoutes.Submit, (string id, UploadApi uploads, CancellationToken ct) => uploads.SubmitAsync(id, ct));
        api.MapPost(EmailRoutes.Emails, (HttpRequest request, EmailApi emails, CancellationToken ct) => emails.QueueAsync(request, ct));
        api.MapGet(EmailRoutes.Email, (string id, EmailApi emails, CancellationToken ct) => emails.GetAsync(id, ct));
        api.MapPost(EmailRoutes.Retry, (string id, JobApi jobs, CancellationToken ct) => jobs.RetryAsync(id, JobKinds.Email, EmailRoutes.StatusPath, ct));
        return app;
    }
}
