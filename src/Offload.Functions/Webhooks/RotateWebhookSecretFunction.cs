using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Webhooks;

namespace Offload.Functions.Webhooks;

public sealed class RotateWebhookSecretFunction(WebhooksApi api)
{
    [Function(nameof(RotateWebhookSecretFunction))]
    [Authorize(Policy = WebhookRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + WebhookRoutes.RotateSecret)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.RotateSecretAsync(request.HttpContext.User, id, cancellationToken);
}
