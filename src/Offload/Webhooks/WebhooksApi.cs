using System.Net.Sockets;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Offload.Access;
using Offload.Http;
using Offload.Jobs;

namespace Offload.Webhooks;

/// <summary>The webhook routes, relative to <see cref="ApiRoutes.Prefix"/>; all need <see cref="Policy"/>.</summary>
public static class WebhookRoutes
{
    public const string Policy = Scopes.Webhooks;

    public const string Webhooks = "webhooks";
    public const string Webhook = "webhooks/{id}";
    public const string RotateSecret = "webhooks/{id}/rotate-secret";
    public const string Deliveries = "webhooks/{id}/deliveries";
    public const string Test = "webhooks/{id}/test";

    public static string WebhookPath(string id) => $"{ApiRoutes.Prefix}/webhooks/{id}";

    public static string DeliveriesPath(string id) => $"{ApiRoutes.Prefix}/webhooks/{id}/deliveries";
}

/// <summary>The request body of POST /api/webhooks.</summary>
public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events);

/// <summary>The webhook HTTP API, written once for both hosts: every endpoint is its owner's alone.</summary>
public sealed class WebhooksApi(
    WebhookEndpoints endpoints, WebhookDeliveries deliveries, JobKinds kinds, Quotas.OwnerQuotas quotas, IOptions<WebhookOptions> options, TimeProvider clock)
{
    /// <summary>Every event an endpoint may ask for: those the registered kinds raise.</summary>
    public IReadOnlyList<string> Events => kinds.All.SelectMany(k => k.Events).Order(StringComparer.Ordinal).ToList();

    /// <summary>POST /api/webhooks <c>{"url", "events"}</c> → 201 with the signing secret, shown this once.</summary>
    public Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            var (body, error) = await ApiResults.ReadJsonAsync<CreateWebhookRequest>(request, "webhook", "{\"url\": \"https://…\", \"events\": [\"video.succeeded\"]}", cancellationToken);
            if (body is null)
                return error!;
            if (body.Events is not { Count: > 0 } events || events.Any(e => e is null || !Events.Contains(e)))
                return ApiResults.InvalidField("events", $"'events' must list one or more of: {string.Join(", ", Events)}.");
            var allowLoopbackHttp = options.Value.AllowLoopbackHttp;
            if (!WebhookUrls.TryParse(body.Url, allowLoopbackHttp, out var url, out var problem))
                return ApiResults.InvalidField("url", problem);
            try
            {
                await WebhookUrls.ResolveAsync(url.IdnHost, WebhookUrls.IsLoopbackHttp(url, allowLoopbackHttp), cancellationToken);
            }
            catch (WebhookAddressException ex)
            {
                return ApiResults.InvalidField("url", $"'url' is refused: {ex.Message}");
            }
            catch (SocketException)
            {
                return ApiResults.InvalidField("url", $"'url' names the host '{url.Host}', which does not resolve.");
            }

            var caller = Caller.From(request.HttpContext.User);
            return await endpoints.CreateAsync(caller.OwnerId, url, events.Distinct().ToList(), cancellationToken) switch
            {
                WebhookEndpoints.CreateResult.Created { Endpoint: var e, Secret: var secret } => WithLocation(
                    ApiResults.Ok(new CreatedWebhook(e.Id, e.Url, e.EventList, secret, e.CreatedAt), StatusCodes.Status201Created), e.Id),
                WebhookEndpoints.CreateResult.TooMany { Max: var max } => ApiResults.Problem(StatusCodes.Status409Conflict,
                    "You have registered as many webhook endpoints as allowed.", $"The limit is {max} (Webhooks__MaxEndpointsPerOwner); delete one first."),
                _ => throw new InvalidOperationException("unexpected result"),
            };
        });

    /// <summary>GET /api/webhooks: the caller's endpoints, without their secrets.</summary>
    public Task<IResult> ListAsync(ClaimsPrincipal user, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
            ApiResults.Ok(new WebhookList((await endpoints.ListAsync(Caller.From(user).OwnerId, cancellationToken)).Select(WebhookView.From).ToList())));

    /// <summary>DELETE /api/webhooks/{id} → 204; its deliveries not yet made fail ("deleted").</summary>
    public Task<IResult> DeleteAsync(ClaimsPrincipal user, string id, CancellationToken cancellationToken) =>
        WithEndpointIdAsync(id, async () =>
            await endpoints.DeleteAsync(Caller.From(user).OwnerId, id, cancellationToken) ? Results.NoContent() : NotFound(id));

    /// <summary>POST /api/webhooks/{id}/rotate-secret → the new secret, shown this once; the old one signs too for <see cref="WebhookOptions.RotationOverlap"/>.</summary>
    public Task<IResult> RotateSecretAsync(ClaimsPrincipal user, string id, CancellationToken cancellationToken) =>
        WithEndpointIdAsync(id, async () =>
            await endpoints.RotateSecretAsync(Caller.From(user).OwnerId, id, cancellationToken) is var (e, secret)
                ? ApiResults.Ok(new RotatedSecret(e.Id, secret.Secret, secret.PreviousSecretUntil))
                : NotFound(id));

    /// <summary>GET /api/webhooks/{id}/deliveries: the newest deliveries with every attempt.</summary>
    public Task<IResult> ListDeliveriesAsync(ClaimsPrincipal user, string id, CancellationToken cancellationToken) =>
        WithEndpointIdAsync(id, async () =>
            await endpoints.GetAsync(Caller.From(user).OwnerId, id, cancellationToken) is null
                ? NotFound(id)
                : ApiResults.Ok(new DeliveryList(await deliveries.ListAsync(id, cancellationToken))));

    /// <summary>POST /api/webhooks/{id}/test → 202: a <c>webhook.test</c> event to this endpoint, delivered like any other.</summary>
    public Task<IResult> TestAsync(ClaimsPrincipal user, string id, CancellationToken cancellationToken) =>
        WithEndpointIdAsync(id, async () =>
        {
            var caller = Caller.From(user);
            var owner = caller.OwnerId;
            if (await endpoints.GetAsync(owner, id, cancellationToken) is null)
                return NotFound(id);
            if (await quotas.TakeWebhookTestAsync(caller, cancellationToken) is { } refusal)
                return ApiResults.OverQuota(refusal);
            var now = clock.GetUtcNow();
            var eventId = "evt_" + JobId.New();
            var data = System.Text.Json.JsonSerializer.SerializeToElement(new TestEventData(id, "A test event from Offload: this endpoint receives events."), ApiResults.Json);
            var job = await deliveries.QueueAsync(owner, id, eventId, WebhookDelivery.TestEvent, now, data, cancellationToken);
            return ApiResults.Accepted(WebhookRoutes.DeliveriesPath(id), new TestDelivery(job.Id, eventId, WebhookRoutes.DeliveriesPath(id)), replayed: false);
        });

    private static Task<IResult> WithEndpointIdAsync(string id, Func<Task<IResult>> action) =>
        JobId.IsValid(id)
            ? ApiResults.WhenStorageIsDownAsync(action)
            : Task.FromResult(ApiResults.BadRequest("That is not a webhook endpoint id.", $"Endpoint ids are 32 lower-case hex characters; got '{id}'."));

    private static IResult NotFound(string id) => ApiResults.NotFound($"There is no webhook endpoint '{id}'.");

    private static IResult WithLocation(IResult result, string id) => ApiResults.WithHeader(result, "Location", WebhookRoutes.WebhookPath(id));

    public sealed record CreatedWebhook(string Id, string Url, IReadOnlyList<string> Events, string Secret, DateTimeOffset CreatedAt);

    public sealed record WebhookList(IReadOnlyList<WebhookView> Webhooks);

    public sealed record WebhookView(string Id, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt, DateTimeOffset? SecretRotatedAt)
    {
        public static WebhookView From(WebhookEndpoint e) => new(e.Id, e.Url, e.EventList, e.CreatedAt, e.SecretRotatedAt);
    }

    public sealed record RotatedSecret(string Id, string Secret, DateTimeOffset? PreviousSecretValidUntil);

    public sealed record DeliveryList(IReadOnlyList<WebhookDeliveryView> Deliveries);

    public sealed record TestDelivery(string DeliveryId, string EventId, string DeliveriesUrl);

    public sealed record TestEventData(string EndpointId, string Message);
}
