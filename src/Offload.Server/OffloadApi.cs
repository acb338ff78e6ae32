using Offload.Access;
using Offload.Dashboard;
using Offload.Email;
using Offload.Health;
using Offload.Http;
using Offload.Jobs;
using Offload.Uploads;
using Offload.Videos;
using Offload.Webhooks;

namespace Offload.Server;

/// <summary>
/// The HTTP routes: thin adapters over the shared <see cref="VideoApi"/>, <see cref="EmailApi"/>,
/// <see cref="EmailTemplatesApi"/>, <see cref="WebhooksApi"/>, <see cref="JobApi"/>, <see cref="AllJobsApi"/>, <see cref="KeysApi"/> and <see cref="HealthApi"/>.
/// Each group says who may call it: the scope its policy needs.
/// Each route says what it is for the API document (<see cref="ApiDocument"/>): its name (the Functions host's
/// function is that name + "Function"), what it takes when it reads its body by hand, and what it answers.
/// </summary>
public static class OffloadApi
{
    public static IEndpointRouteBuilder MapOffloadApi(this IEndpointRouteBuilder app)
    {
        // The dashboard's page: static files, no credential (they hold no data); what it shows needs the admin scope.
        app.MapGet("/" + DashboardRoutes.Page, (string? path, DashboardPages pages) => pages.Get(path)).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/" + DashboardRoutes.PagePrefix, (HttpRequest request, DashboardPages pages) =>   // routing ignores a trailing '/'
            request.Path.Value!.EndsWith('/') ? pages.Get(null) : Results.Redirect($"/{DashboardRoutes.PagePrefix}/")).AllowAnonymous().ExcludeFromDescription();

        var root = app.MapGroup(ApiRoutes.Prefix);
        root.MapGet(HealthApi.Route, (HealthApi health, CancellationToken ct) => health.GetAsync(ct)).AllowAnonymous()
            .WithTags("Health").WithName("Health").WithSummary("Whether this instance can work")
            .WithDescription("200 when storage and ffmpeg answer; 503 with the same body, naming what is down.")
            .Produces<HealthReport>().Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);
        root.MapApiDocument();

        var videos = root.MapGroup("").RequireAuthorization(VideoRoutes.Policy).WithTags("Videos");
        videos.MapPost(VideoRoutes.Videos, (HttpRequest request, VideoApi api, CancellationToken ct) => api.UploadAsync(request, ct))
            .WithName("UploadVideo").WithSummary("Upload a video to encode to H.264/AAC MP4").AcceptsVideo().WithIdempotencyKey()
            .Produces<VideoApi.AcceptedVideo>(StatusCodes.Status202Accepted).ProducesProblems(400, 413, 415, 422, 429, 503);
        videos.MapGet(VideoRoutes.Video, (string id, HttpContext http, VideoApi api, CancellationToken ct) => api.GetAsync(http.User, id, ct))
            .WithName("GetVideo").WithSummary("A video job, with its history")
            .Produces<VideoJobView>().ProducesProblems(400, 404, 503);
        videos.MapDelete(VideoRoutes.Video, (string id, HttpContext http, VideoApi api, CancellationToken ct) => api.CancelAsync(http.User, id, ct))
            .WithName("CancelVideo").WithSummary("Cancel a video job that has not ended")
            .Produces<VideoJobView>().ProducesProblems(400, 404, 409, 503);
        videos.MapGet(VideoRoutes.Output, (string id, HttpRequest request, VideoApi api, CancellationToken ct) => api.GetOutputAsync(request, id, ct))
            .WithName("GetVideoOutput").WithSummary("A redirect to the encoded MP4: a short-lived read-only link (with Accept: application/json, the link itself)")
            .Produces(StatusCodes.Status302Found).Produces<VideoApi.MediaLink>().ProducesProblems(400, 404, 409, 503);
        videos.MapGet(VideoRoutes.Poster, (string id, HttpRequest request, VideoApi api, CancellationToken ct) => api.GetPosterAsync(request, id, ct))
            .WithName("GetVideoPoster").WithSummary("A redirect to the video's poster (JPEG, the output's size): a short-lived read-only link (with Accept: application/json, the link itself)")
            .Produces(StatusCodes.Status302Found).Produces<VideoApi.MediaLink>().ProducesProblems(400, 404, 409, 503);
        videos.MapGet(VideoRoutes.Picture, (string id, string name, HttpRequest request, VideoApi api, CancellationToken ct) =>
            api.GetPictureAsync(request, id, name, ct))
            .WithName("GetVideoPicture")
            .WithSummary("A thumbnail or the storyboard's sprite (a redirect, as the poster), or the storyboard's WebVTT (storyboard.vtt)")
            .Produces(StatusCodes.Status302Found).Produces<string>(StatusCodes.Status200OK, "text/vtt").ProducesProblems(400, 404, 409, 503);
        videos.MapPost(VideoRoutes.Retry, (string id, HttpContext http, JobApi jobs, CancellationToken ct) =>
            jobs.RetryAsync(http.User, id, VideoJob.Kind, VideoRoutes.StatusPath, ct))
            .WithName("RetryVideo").WithSummary("Send a failed or cancelled video job through again")
            .Produces<JobApi.QueuedJob>(StatusCodes.Status202Accepted).ProducesProblems(400, 404, 409, 429, 503);

        var uploads = root.MapGroup("").RequireAuthorization(UploadRoutes.Policy).WithTags("Videos");
        uploads.MapPost(UploadRoutes.Uploads, (HttpRequest request, UploadApi api, CancellationToken ct) => api.CreateAsync(request, ct))
            .WithName("CreateUpload").WithSummary("A write-only link to upload a large video straight to storage")
            .AcceptsJson<UploadRequest>()
            .Produces<UploadApi.CreatedUpload>(StatusCodes.Status201Created).ProducesProblems(400, 413, 415, 429, 503);
        uploads.MapPost(UploadRoutes.Submit, (string id, HttpContext http, UploadApi api, CancellationToken ct) => api.SubmitAsync(http.User, id, ct))
            .WithName("SubmitUpload").WithSummary("Queue the encode of a video uploaded through its link")
            .Produces<VideoApi.AcceptedVideo>(StatusCodes.Status202Accepted).ProducesProblems(400, 404, 409, 413, 503);

        var emails = root.MapGroup("").RequireAuthorization(EmailRoutes.Policy).WithTags("Emails");
        emails.MapPost(EmailRoutes.Emails, (HttpRequest request, EmailApi api, CancellationToken ct) => api.QueueAsync(request, ct))
            .WithName("QueueEmail").WithSummary("Queue an email made from a template and a model").WithIdempotencyKey()
            .AcceptsJson<EmailRequest>()
            .Produces<EmailApi.AcceptedEmail>(StatusCodes.Status202Accepted).ProducesProblems(400, 413, 415, 422, 429, 503);
        emails.MapGet(EmailRoutes.Email, (string id, HttpContext http, EmailApi api, CancellationToken ct) => api.GetAsync(http.User, id, ct))
            .WithName("GetEmail").WithSummary("An email job, with its history")
            .Produces<EmailJobView>().ProducesProblems(400, 404, 503);
        emails.MapPost(EmailRoutes.Retry, (string id, HttpContext http, JobApi jobs, CancellationToken ct) =>
            jobs.RetryAsync(http.User, id, EmailJob.Kind, EmailRoutes.StatusPath, ct))
            .WithName("RetryEmail").WithSummary("Send a failed or cancelled email job through again")
            .Produces<JobApi.QueuedJob>(StatusCodes.Status202Accepted).ProducesProblems(400, 404, 409, 429, 503);
        emails.MapGet(EmailRoutes.Templates, (EmailTemplatesApi api) => api.List())
            .WithName("ListEmailTemplates").WithSummary("Every email template, with its variables and where its files came from")
            .Produces<EmailTemplatesApi.TemplateList>();
        emails.MapPost(EmailRoutes.TemplatePreview, (string name, HttpRequest request, EmailTemplatesApi api, CancellationToken ct) =>
            api.PreviewAsync(request, name, ct))
            .WithName("PreviewEmailTemplate").WithSummary("Render an email template with a model, without sending it")
            .AcceptsJson<EmailPreviewRequest>()
            .Produces<EmailTemplatesApi.Preview>().ProducesProblems(400, 404, 413, 415);

        var webhooks = root.MapGroup("").RequireAuthorization(WebhookRoutes.Policy).WithTags("Webhooks");
        webhooks.MapPost(WebhookRoutes.Webhooks, (HttpRequest request, WebhooksApi api, CancellationToken ct) => api.CreateAsync(request, ct))
            .WithName("CreateWebhook").WithSummary("Register an endpoint for your events: the signing secret is shown this once")
            .AcceptsJson<CreateWebhookRequest>()
            .Produces<WebhooksApi.CreatedWebhook>(StatusCodes.Status201Created).ProducesProblems(400, 409, 413, 415, 503);
        webhooks.MapGet(WebhookRoutes.Webhooks, (HttpContext http, WebhooksApi api, CancellationToken ct) => api.ListAsync(http.User, ct))
            .WithName("ListWebhooks").WithSummary("Your endpoints, never their secrets")
            .Produces<WebhooksApi.WebhookList>().ProducesProblems(503);
        webhooks.MapDelete(WebhookRoutes.Webhook, (string id, HttpContext http, WebhooksApi api, CancellationToken ct) => api.DeleteAsync(http.User, id, ct))
            .WithName("DeleteWebhook").WithSummary("Delete an endpoint: its deliveries not yet made fail")
            .Produces(StatusCodes.Status204NoContent).ProducesProblems(400, 404, 503);
        webhooks.MapPost(WebhookRoutes.RotateSecret, (string id, HttpContext http, WebhooksApi api, CancellationToken ct) => api.RotateSecretAsync(http.User, id, ct))
            .WithName("RotateWebhookSecret").WithSummary("A new signing secret, shown this once; the old one keeps signing for Webhooks__RotationOverlap")
            .Produces<WebhooksApi.RotatedSecret>().ProducesProblems(400, 404, 503);
        webhooks.MapGet(WebhookRoutes.Deliveries, (string id, HttpContext http, WebhooksApi api, CancellationToken ct) => api.ListDeliveriesAsync(http.User, id, ct))
            .WithName("ListWebhookDeliveries").WithSummary("An endpoint's newest deliveries, each attempt with what the endpoint answered")
            .Produces<WebhooksApi.DeliveryList>().ProducesProblems(400, 404, 503);
        webhooks.MapPost(WebhookRoutes.Test, (string id, HttpContext http, WebhooksApi api, CancellationToken ct) => api.TestAsync(http.User, id, ct))
            .WithName("TestWebhook").WithSummary("Send a webhook.test event to an endpoint, delivered like any other")
            .Produces<WebhooksApi.TestDelivery>(StatusCodes.Status202Accepted).ProducesProblems(400, 404, 429, 503);

        var all = root.MapGroup("").RequireAuthorization(DashboardRoutes.Policy).WithTags("Jobs");
        all.MapGet(DashboardRoutes.Jobs, (HttpRequest request, AllJobsApi api, CancellationToken ct) => api.ListAsync(request, ct))
            .WithName("ListJobs").WithSummary("Every job of every owner, newest first, filtered by status, kind, owner and time")
            .WithDescription("Query: status, kind, owner, since and until (ISO 8601; since inclusive, until exclusive), parts=true to list " +
                             "the parts of split jobs too, limit (1-200, 50 unless said), cursor (from the page before's next URL).")
            .Produces<JobListView>().ProducesProblems(400, 503);
        all.MapGet(DashboardRoutes.Job, (string id, AllJobsApi api, CancellationToken ct) => api.GetAsync(id, ct))
            .WithName("GetJob").WithSummary("Any job, with its history, its parts, what can be done with it and its kind's own view")
            .Produces<JobDetailView>().ProducesProblems(400, 404, 503);
        all.MapPost(DashboardRoutes.Retry, (string id, HttpContext http, AllJobsApi api, CancellationToken ct) => api.RetryAsync(http.User, id, ct))
            .WithName("RetryJob").WithSummary("Send a failed or cancelled job of any kind through again")
            .Produces<JobApi.QueuedJob>(StatusCodes.Status202Accepted).ProducesProblems(400, 404, 409, 429, 503);

        all.MapGet(DashboardRoutes.Overview, (OverviewApi api, CancellationToken ct) => api.GetAsync(ct))
            .WithName("GetOverview").WithSummary("The jobs of the last hour and day by status and kind, the last hour's throughput, the queues and the workers alive")
            .Produces<Overview>().ProducesProblems(503);
        all.MapGet(DashboardRoutes.Queues, (QueuesApi api, CancellationToken ct) => api.ListAsync(ct))
            .WithTags("Queues").WithName("ListQueues").WithSummary("Each queue's depth, the age of its oldest message, its poison queue and its dead letters")
            .Produces<QueueList>().ProducesProblems(503);
        all.MapGet(DashboardRoutes.DeadLetters, (string name, QueuesApi api, CancellationToken ct) => api.ListDeadLettersAsync(name, ct))
            .WithTags("Queues").WithName("ListDeadLetters").WithSummary("A queue's dead messages, newest first, with what became of their jobs")
            .Produces<DeadLetterList>().ProducesProblems(404, 503);
        all.MapPost(DashboardRoutes.RequeueDeadLetter, (string name, string id, HttpContext http, QueuesApi api, CancellationToken ct) => api.RequeueAsync(http.User, name, id, ct))
            .WithTags("Queues").WithName("RequeueDeadLetter").WithSummary("Send a dead message's job through again, and take the dead letter out")
            .Produces<RequeuedLetter>(StatusCodes.Status202Accepted).ProducesProblems(404, 409, 429, 503);
        all.MapDelete(DashboardRoutes.DeadLetter, (string name, string id, QueuesApi api, CancellationToken ct) => api.DeleteAsync(name, id, ct))
            .WithTags("Queues").WithName("DeleteDeadLetter").WithSummary("Delete a dead letter")
            .Produces(StatusCodes.Status204NoContent).ProducesProblems(404, 503);
        all.MapPost(DashboardRoutes.RequeueDeadLetters, (string name, HttpContext http, QueuesApi api, CancellationToken ct) => api.RequeueAllAsync(http.User, name, ct))
            .WithTags("Queues").WithName("RequeueDeadLetters").WithSummary("Send every dead message of a queue on that can be, and say why not the others")
            .Produces<RequeuedAll>().ProducesProblems(404, 503);
        all.MapDelete(DashboardRoutes.DeadLetters, (string name, QueuesApi api, CancellationToken ct) => api.DeleteAllAsync(name, ct))
            .WithTags("Queues").WithName("DeleteDeadLetters").WithSummary("Delete every dead letter of a queue")
            .Produces<DeletedAll>().ProducesProblems(404, 503);

        var keys = root.MapGroup("").RequireAuthorization(KeyRoutes.Policy).WithTags("Keys");
        keys.MapPost(KeyRoutes.Keys, (HttpRequest request, KeysApi api, CancellationToken ct) => api.CreateAsync(request, request.HttpContext.User, ct))
            .WithName("CreateKey").WithSummary("Make an API key with scopes: the key is shown this once")
            .AcceptsJson<CreateKeyRequest>()
            .Produces<KeysApi.CreatedKey>(StatusCodes.Status201Created).ProducesProblems(400, 413, 415, 503);
        keys.MapGet(KeyRoutes.Keys, (KeysApi api, CancellationToken ct) => api.ListAsync(ct))
            .WithName("ListKeys").WithSummary("Every API key, never its secret")
            .Produces<KeysApi.KeyList>().ProducesProblems(503);
        keys.MapDelete(KeyRoutes.Key, (string id, KeysApi api, CancellationToken ct) => api.RevokeAsync(id, ct))
            .WithName("RevokeKey").WithSummary("Revoke an API key, on every instance within Auth__KeyCacheDuration")
            .Produces<KeysApi.KeyView>().ProducesProblems(400, 404, 503);
        return app;
    }
}
