using Offload.Access;
using Offload.Email;
using Offload.Health;
using Offload.Http;
using Offload.Jobs;
using Offload.Uploads;
using Offload.Videos;

namespace Offload.Server;

/// <summary>
/// The HTTP routes: thin adapters over the shared <see cref="VideoApi"/>, <see cref="EmailApi"/>,
/// <see cref="EmailTemplatesApi"/>, <see cref="JobApi"/>, <see cref="KeysApi"/> and <see cref="HealthApi"/>. Each group says who may call it: the scope its policy needs.
/// </summary>
public static class OffloadApi
{
    public static IEndpointRouteBuilder MapOffloadApi(this IEndpointRouteBuilder app)
    {
        var root = app.MapGroup(ApiRoutes.Prefix);
        root.MapGet(HealthApi.Route, (HealthApi health, CancellationToken ct) => health.GetAsync(ct)).AllowAnonymous();

        var videos = root.MapGroup("").RequireAuthorization(VideoRoutes.Policy);
        videos.MapPost(VideoRoutes.Videos, (HttpRequest request, VideoApi api, CancellationToken ct) => api.UploadAsync(request, ct));
        videos.MapGet(VideoRoutes.Video, (string id, HttpContext http, VideoApi api, CancellationToken ct) => api.GetAsync(http.User, id, ct));
        videos.MapDelete(VideoRoutes.Video, (string id, HttpContext http, VideoApi api, CancellationToken ct) => api.CancelAsync(http.User, id, ct));
        videos.MapGet(VideoRoutes.Output, (string id, HttpContext http, VideoApi api, CancellationToken ct) => api.GetOutputAsync(http.User, id, ct));
        videos.MapPost(VideoRoutes.Retry, (string id, HttpContext http, JobApi jobs, CancellationToken ct) =>
            jobs.RetryAsync(http.User, id, JobKinds.Video, VideoRoutes.StatusPath, ct));

        var uploads = root.MapGroup("").RequireAuthorization(UploadRoutes.Policy);
        uploads.MapPost(UploadRoutes.Uploads, (HttpRequest request, UploadApi api, CancellationToken ct) => api.CreateAsync(request, ct));
        uploads.MapPost(UploadRoutes.Submit, (string id, HttpContext http, UploadApi api, CancellationToken ct) => api.SubmitAsync(http.User, id, ct));

        var emails = root.MapGroup("").RequireAuthorization(EmailRoutes.Policy);
        emails.MapPost(EmailRoutes.Emails, (HttpRequest request, EmailApi api, CancellationToken ct) => api.QueueAsync(request, ct));
        emails.MapGet(EmailRoutes.Email, (string id, HttpContext http, EmailApi api, CancellationToken ct) => api.GetAsync(http.User, id, ct));
        emails.MapPost(EmailRoutes.Retry, (string id, HttpContext http, JobApi jobs, CancellationToken ct) =>
            jobs.RetryAsync(http.User, id, JobKinds.Email, EmailRoutes.StatusPath, ct));
        emails.MapGet(EmailRoutes.Templates, (EmailTemplatesApi api) => api.List());
        emails.MapPost(EmailRoutes.TemplatePreview, (string name, HttpRequest request, EmailTemplatesApi api, CancellationToken ct) =>
            api.PreviewAsync(request, name, ct));

        var keys = root.MapGroup("").RequireAuthorization(KeyRoutes.Policy);
        keys.MapPost(KeyRoutes.Keys, (HttpRequest request, KeysApi api, CancellationToken ct) => api.CreateAsync(request, request.HttpContext.User, ct));
        keys.MapGet(KeyRoutes.Keys, (KeysApi api, CancellationToken ct) => api.ListAsync(ct));
        keys.MapDelete(KeyRoutes.Key, (string id, KeysApi api, CancellationToken ct) => api.RevokeAsync(id, ct));
        return app;
    }
}
