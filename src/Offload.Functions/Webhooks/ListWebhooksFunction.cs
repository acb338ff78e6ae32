using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Webhooks;

namespace Offload.Functions.Webhooks;

public sealed class ListWebhooksFunction(WebhooksApi api)
{
    [Function(nameof(ListWebhooksFunction))]
    [Authorize(Policy = WebhookRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + WebhookRoutes.Webhooks)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.ListAsync(request.HttpContext.User, cancellationToken);
}
