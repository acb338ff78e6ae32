using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Offload.Access;
using Offload.Http;
using Offload.Jobs;
using Offload.Videos;

namespace Offload.Uploads;

/// <summary>The direct-upload routes, relative to <see cref="ApiRoutes.Prefix"/>; all need <see cref="Policy"/>.</summary>
public static class UploadRoutes
{
    public const string Policy = Scopes.Videos;

    public const string Uploads = "uploads";
    public const string Submit = "videos/{id}/submit";
}

public sealed record UploadRequest(string? FileName, string? ContentType, long? SizeBytes, string? Notify);

/// <summary>The direct-upload HTTP API, written once for both hosts.</summary>
public sealed class UploadApi(CreateUploadHandler create, SubmitUploadHandler submit)
{
    /// <summary>POST /api/uploads <c>{"fileName", "contentType", "sizeBytes"}</c> → 201 with a write-only upload link.</summary>
    public Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            var (body, error) = await ApiResults.ReadJsonAsync<UploadRequest>(request, "upload request", "{\"fileName\", \"contentType\", \"sizeBytes\"}", cancellationToken);
            if (body is null)
                return error!;

            var caller = Caller.From(request.HttpContext.User);
            return await create.HandleAsync(new CreateUploadCommand(caller, body.FileName, body.ContentType, body.SizeBytes, body.Notify), cancellationToken) switch
            {
                CreateUploadResult.Created created => Results.Json(
                    new CreatedUpload(created.Id, created.UploadUrl.AbsoluteUri, created.ExpiresAt, $"{ApiRoutes.Prefix}/videos/{created.Id}/submit"),
                    ApiResults.Json, statusCode: StatusCodes.Status201Created),
                CreateUploadResult.TooLarge tooLarge => ApiResults.TooLarge(tooLarge.MaxBytes),
                CreateUploadResult.OverQuota over => ApiResults.OverQuota(over.Refusal),
                CreateUploadResult.Invalid invalid => ApiResults.InvalidField(invalid.Field, invalid.Message),
                _ => throw new InvalidOperationException("unexpected result"),
            };
        });

    /// <summary>POST /api/videos/{id}/submit → 202 with the job, as POST /api/videos answers.</summary>
    public Task<IResult> SubmitAsync(ClaimsPrincipal user, string id, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            if (!JobId.IsValid(id))
                return ApiResults.MalformedId(id);
            return await submit.HandleAsync(Caller.From(user), id, cancellationToken) switch
            {
                SubmitUploadResult.Accepted { Job: var job } => Results.Accepted(
                    VideoRoutes.StatusPath(job.Id), new VideoApi.AcceptedVideo(job.Id, job.Status, VideoRoutes.StatusPath(job.Id))),
                SubmitUploadResult.NotUploaded => ApiResults.Problem(StatusCodes.Status409Conflict,
                    "The video has not been uploaded yet.",
                    "Upload it to the uploadUrl first (and commit its blocks), then submit."),
                SubmitUploadResult.TooLarge tooLarge => ApiResults.TooLarge(tooLarge.MaxBytes,
                    "The uploaded video is too large; it was deleted.", $"It has {tooLarge.SizeBytes} bytes; the limit is {tooLarge.MaxBytes}."),
                SubmitUploadResult.SizeMismatch mismatch => ApiResults.Problem(StatusCodes.Status409Conflict,
                    "The uploaded video does not have the size declared for it; it was deleted.",
                    $"It has {mismatch.SizeBytes} bytes; {mismatch.DeclaredBytes} were declared. Upload the file again to the uploadUrl (or ask for a new upload with its real size), then submit.",
                    new Dictionary<string, object?> { ["declaredBytes"] = mismatch.DeclaredBytes, ["sizeBytes"] = mismatch.SizeBytes }),
                SubmitUploadResult.ChangedWhileSubmitting => ApiResults.Problem(StatusCodes.Status409Conflict,
                    "The uploaded video changed while it was being submitted.", "Finish writing it, then submit again."),
                _ => ApiResults.NotFound($"There is no upload '{id}': ask POST {ApiRoutes.Prefix}/uploads for one first."),
            };
        });

    public sealed record CreatedUpload(string Id, string UploadUrl, DateTimeOffset ExpiresAt, string SubmitUrl);
}
