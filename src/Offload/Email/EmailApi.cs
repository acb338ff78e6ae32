using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Offload.Access;
using Offload.Http;
using Offload.Jobs;

namespace Offload.Email;

/// <summary>The email routes, relative to <see cref="ApiRoutes.Prefix"/>; all need <see cref="Policy"/>.</summary>
public static class EmailRoutes
{
    public const string Policy = Scopes.Emails;

    public const string Emails = "emails";
    public const string Email = "emails/{id}";
    public const string Retry = "emails/{id}/retry";
    public const string Templates = "email-templates";
    public const string TemplatePreview = "email-templates/{name}/preview";

    public static string StatusPath(string id) => $"{ApiRoutes.Prefix}/emails/{id}";
}

/// <summary>The request body of POST /api/emails.</summary>
public sealed record EmailRequest(string? To, string? Template, Dictionary<string, JsonElement>? Model);

/// <summary>The email HTTP API, written once for both hosts.</summary>
public sealed class EmailApi(QueueEmailHandler queue, GetEmailHandler get)
{
    /// <summary>POST /api/emails with <c>{"to", "template", "model": {...}}</c>.</summary>
    public Task<IResult> QueueAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            var (idempotencyKey, badKey) = ApiResults.ReadIdempotencyKey(request);
            if (badKey is not null)
                return badKey;
            var (body, error) = await ApiResults.ReadJsonAsync<EmailRequest>(request, "email request", "{\"to\", \"template\", \"model\"}", cancellationToken);
            if (body is null)
                return error!;
            var (model, badModel) = ReadModel(body.Model);
            if (badModel is not null)
                return badModel;

            var caller = Caller.From(request.HttpContext.User);
            var command = new QueueEmailCommand(caller.OwnerId, body.To, body.Template, model, IdempotencyKey: idempotencyKey, Requester: caller);
            return await queue.HandleAsync(command, cancellationToken) switch
            {
                QueueEmailResult.Accepted { Job: var job, Replayed: var replayed } => ApiResults.Accepted(
                    EmailRoutes.StatusPath(job.Id), new AcceptedEmail(job.Id, job.Status, EmailRoutes.StatusPath(job.Id)), replayed),
                QueueEmailResult.Invalid invalid => ApiResults.InvalidField(invalid.Field, invalid.Message),
                QueueEmailResult.KeyReused => ApiResults.IdempotencyKeyReused(),
                QueueEmailResult.OverQuota over => ApiResults.OverQuota(over.Refusal),
                _ => throw new InvalidOperationException("unexpected result"),
            };
        });

    /// <summary>GET /api/emails/{id}.</summary>
    public Task<IResult> GetAsync(ClaimsPrincipal user, string id, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            if (!JobId.IsValid(id))
                return ApiResults.MalformedId(id);
            var view = await get.HandleAsync(Caller.From(user), id, cancellationToken);
            return view is null ? ApiResults.NotFound($"There is no email job '{id}'.") : ApiResults.Ok(view);
        });

    /// <summary>A request's <c>model</c> as text values (a number or a boolean as written), or the 400 for a nested value.</summary>
    internal static (Dictionary<string, string>? Model, IResult? Error) ReadModel(Dictionary<string, JsonElement>? model)
    {
        if (model?.FirstOrDefault(p => p.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array) is { Key: { } nested })
            return (null, ApiResults.InvalidField($"model.{nested}", "Model values must be strings, numbers or booleans."));
        return (model?.ToDictionary(p => p.Key, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()), null);
    }

    public sealed record AcceptedEmail(string Id, string Status, string StatusUrl);
}
