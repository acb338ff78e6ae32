using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Offload.Functions.Http;
using Offload.Webhooks;

namespace Offload.Functions.Webhooks;

public sealed class ListWebhookDeliveriesFunction(WebhooksApi api)
{
    [Function(nameof(ListWebhookDeliveriesFunction))]
    [Authorize(Policy = WebhookRoutes.Policy)]
    public Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebhookRoutes.Deliveries)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.ListDeliveriesAsync(request.HttpContext.User, id, cancellationToken).ToActionResult();
}
