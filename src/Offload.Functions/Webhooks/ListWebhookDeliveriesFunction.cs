using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Webhooks;

namespace Offload.Functions.Webhooks;

public sealed class ListWebhookDeliveriesFunction(WebhooksApi api)
{
    [Function(nameof(ListWebhookDeliveriesFunction))]
    [Authorize(Policy = WebhookRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + WebhookRoutes.Deliveries)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.ListDeliveriesAsync(request.HttpContext.User, id, cancellationToken);
}
