using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Offload.Access;
using Offload.Email;
using Offload.Http;
using Offload.Jobs;

namespace Offload.Videos;

/// <summary>
/// The video HTTP API, written once for both hosts: turns an ASP.NET Core request into a command, runs its
/// handler, and maps the result to a status code. The Functions and the server endpoints only call these.
/// </summary>
public sealed class VideoApi(
    UploadVideoHandler upload, GetVideoHandler get, GetVideoOutputHandler output, CancelVideoHandler cancel, IOptions<VideoOptions> options)
{
    private const string FileField = "file";
    // What a multipart envelope adds around the file: boundaries and part headers.
    private const long MultipartSlackBytes = 64 * 1024;

    /// <summary>POST /api/videos: raw bytes (video/*, application/octet-stream) or multipart/form-data with a field "file".</summary>
    public Task<IResult> UploadAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(() => UploadCoreAsync(request, cancellationToken));

    private async Task<IResult> UploadCoreAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var caller = Caller.From(request.HttpContext.User);
        var maxBytes = options.Value.MaxUploadBytes;
        var (idempotencyKey, badKey) = ApiResults.ReadIdempotencyKey(request);
        if (badKey is not null)
            return badKey;
        var notify = request.Query["notify"].ToString();
        if (notify.Length > 0 && !EmailAddress.IsValid(notify))
            return ApiResults.BadRequest($"The 'notify' query parameter must be {EmailAddress.Requirement}.", $"Got '{notify}'.");

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || mediaType.MediaType.Value is not { } type)
            return UnsupportedMediaType(request.ContentType);

        var isMultipart = type.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);
        if (!isMultipart && !IsVideoMediaType(type))
            return UnsupportedMediaType(type);

        if (request.ContentLength == 0)
            return EmptyBody();
        var maxBodyBytes = maxBytes + (isMultipart ? MultipartSlackBytes : 0);
        if (request.ContentLength > maxBodyBytes)
            return ApiResults.TooLarge(maxBytes);

        // The size is enforced while streaming, so lift the server's own fixed body cap. What a Content-Length says is
        // only a first check: the whole body is counted as it arrives, whatever its shape (chunked, or multipart where
        // a non-file field would otherwise be read and skipped without limit).
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = null;
        using var body = new SizeLimitedStream(request.Body, maxBodyBytes);
        try
        {
            return isMultipart ? await UploadMultipartAsync(caller, body, mediaType, notify, idempotencyKey, cancellationToken)
                : ToHttp(await upload.HandleAsync(new UploadVideoCommand(caller, body, type, null, NullIfEmpty(notify), idempotencyKey), cancellationToken), maxBytes);
        }
        catch (BodyTooLargeException)
        {
            return ApiResults.TooLarge(maxBytes);
        }
        catch (BadHttpRequestException ex)
        {
            return ApiResults.UnreadableBody(ex);
        }
    }

    private async Task<IResult> UploadMultipartAsync(
        Caller caller, Stream body, MediaTypeHeaderValue mediaType, string notify, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var maxBytes = options.Value.MaxUploadBytes;
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
            return ApiResults.BadRequest("The multipart body has no boundary.");

        var reader = new MultipartReader(boundary, body);
        MultipartSection? section;
        while ((section = await reader.ReadNextSectionAsync(cancellationToken)) is not null)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.IsFileDisposition()
                || !string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, FileField, StringComparison.Ordinal))
                continue;

            var partType = string.IsNullOrEmpty(section.ContentType) ? "application/octet-stream" : section.ContentType;
            if (!IsVideoMediaType(partType))
                return UnsupportedMediaType(partType);

            var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
            var result = await upload.HandleAsync(new UploadVideoCommand(caller, section.Body, partType, fileName, NullIfEmpty(notify), idempotencyKey), cancellationToken);
            return ToHttp(result, maxBytes);
        }

        return ApiResults.BadRequest($"The multipart body has no file field named '{FileField}'.",
            $"Send the video as: curl -F {FileField}=@video.mp4 ...");
    }

    /// <summary>GET /api/videos/{id}.</summary>
    public Task<IResult> GetAsync(ClaimsPrincipal user, string id, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(() => GetCoreAsync(Caller.From(user), id, cancellationToken));

    private async Task<IResult> GetCoreAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        if (!JobId.IsValid(id))
            return ApiResults.MalformedId(id);
        var view = await get.HandleAsync(caller, id, cancellationToken);
        return view is null ? NoSuchVideo(id) : ApiResults.Ok(view);
    }

    /// <summary>DELETE /api/videos/{id}: cancels a job that has not ended; 409 for one that has.</summary>
    public Task<IResult> CancelAsync(ClaimsPrincipal user, string id, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            if (!JobId.IsValid(id))
                return ApiResults.MalformedId(id);
            var caller = Caller.From(user);
            return await cancel.HandleAsync(caller, id, cancellationToken) switch
            {
                CancelVideoResult.Cancelled => ApiResults.Ok(await get.HandleAsync(caller, id, cancellationToken)),
                CancelVideoResult.AlreadyFinal final => ApiResults.Problem(StatusCodes.Status409Conflict,
                    $"The job has already {(final.Status == JobStatus.Cancelled ? "been cancelled" : final.Status)}: there is nothing to cancel.",
                    $"The job is '{final.Status}'.",
                    new Dictionary<string, object?> { ["jobStatus"] = final.Status, ["statusUrl"] = VideoRoutes.StatusPath(id) }),
                _ => NoSuchVideo(id),
            };
        });

    /// <summary>
    /// GET /api/videos/{id}/output: a redirect to a short-lived read-only link to the MP4; asked for as JSON
    /// (<c>Accept: application/json</c>), the link itself (<see cref="MediaLink"/>), for a page that puts it in a player.
    /// </summary>
    public Task<IResult> GetOutputAsync(HttpRequest request, string id, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
            JobId.IsValid(id) ? ToHttp(request, id, await output.HandleAsync(Caller.From(request.HttpContext.User), id, cancellationToken)) : ApiResults.MalformedId(id));

    /// <summary>GET /api/videos/{id}/poster: a redirect to a short-lived read-only link to the poster JPEG (or the link, as the output's).</summary>
    public Task<IResult> GetPosterAsync(HttpRequest request, string id, CancellationToken cancellationToken) =>
        GetPictureAsync(request, id, Pictures.VideoPictures.PosterName, cancellationToken);

    /// <summary>
    /// GET /api/videos/{id}/pictures/{name}: a thumbnail or the storyboard's sprite (a redirect, as the poster), or the
    /// storyboard's WebVTT itself (<c>storyboard.vtt</c>).
    /// </summary>
    public Task<IResult> GetPictureAsync(HttpRequest request, string id, string name, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
            JobId.IsValid(id) ? ToHttp(request, id, await output.HandlePictureAsync(Caller.From(request.HttpContext.User), id, name, cancellationToken)) : ApiResults.MalformedId(id));

    /// <summary>A short-lived read-only link to one of a video's files, as JSON: what a redirect would have pointed to.</summary>
    public sealed record MediaLink(string Url);

    private static IResult ToHttp(HttpRequest request, string id, GetVideoOutputResult result) => result switch
    {
        // It holds a read link: kept by nobody on the way (private, no-store), fetched anew when needed.
        GetVideoOutputResult.Ready ready when ApiResults.AsksForJson(request) =>
            ApiResults.WithHeader(ApiResults.Ok(new MediaLink(ready.DownloadUrl.AbsoluteUri)), "Cache-Control", "private, no-store"),
        GetVideoOutputResult.Ready ready => Results.Redirect(ready.DownloadUrl.AbsoluteUri),
        GetVideoOutputResult.Text text => ApiResults.WithHeader(Results.Text(text.Content, text.ContentType), "Cache-Control", "private, no-store"),
        GetVideoOutputResult.NotReady notReady => ApiResults.Problem(StatusCodes.Status409Conflict,
            "The video is not ready.", $"The job is '{notReady.Status}'; the output exists once it is 'succeeded'.",
            new Dictionary<string, object?> { ["jobStatus"] = notReady.Status, ["statusUrl"] = VideoRoutes.StatusPath(id) }),
        GetVideoOutputResult.NoSuchPicture { Names.Count: 0 } => ApiResults.NotFound(
            $"The video '{id}' has no pictures: it was encoded before Offload made them."),
        GetVideoOutputResult.NoSuchPicture none => ApiResults.Problem(StatusCodes.Status404NotFound,
            $"The video '{id}' has no picture of that name.", $"Its pictures are: {string.Join(", ", none.Names)}."),
        _ => NoSuchVideo(id),
    };

    private static IResult ToHttp(UploadVideoResult result, long maxBytes) => result switch
    {
        UploadVideoResult.Accepted { Job: var job, Replayed: var replayed } => ApiResults.Accepted(
            VideoRoutes.StatusPath(job.Id), new AcceptedVideo(job.Id, job.Status, VideoRoutes.StatusPath(job.Id)), replayed),
        UploadVideoResult.TooLarge => ApiResults.TooLarge(maxBytes),
        UploadVideoResult.KeyReused => ApiResults.IdempotencyKeyReused(),
        UploadVideoResult.OverQuota over => ApiResults.OverQuota(over.Refusal),
        _ => EmptyBody(),
    };

    private static bool IsVideoMediaType(string type) =>
        type.StartsWith("video/", StringComparison.OrdinalIgnoreCase)
        || type.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase);

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static IResult UnsupportedMediaType(string? type) => ApiResults.Problem(StatusCodes.Status415UnsupportedMediaType,
        "Send the video as video/*, application/octet-stream, or multipart/form-data with a field 'file'.",
        $"Got Content-Type '{type}'.");

    private static IResult EmptyBody() => ApiResults.BadRequest("The request body is empty: send the video as the body.");

    private static IResult NoSuchVideo(string id) => ApiResults.NotFound($"There is no video job '{id}'.");

    public sealed record AcceptedVideo(string Id, string Status, string StatusUrl);
}
