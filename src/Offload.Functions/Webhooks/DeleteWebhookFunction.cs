using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Webhooks;

namespace Offload.Functions.Webhooks;

public sealed class DeleteWebhookFunction(WebhooksApi api)
{
    [Function(nameof(DeleteWebhookFunction))]
    [Authorize(Policy = WebhookRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiRoutes.FunctionsPrefix + WebhookRoutes.Webhook)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.DeleteAsync(request.HttpContext.User, id, cancellationToken);
}
