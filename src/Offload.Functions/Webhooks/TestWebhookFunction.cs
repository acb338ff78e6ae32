using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Webhooks;

namespace Offload.Functions.Webhooks;

public sealed class TestWebhookFunction(WebhooksApi api)
{
    [Function(nameof(TestWebhookFunction))]
    [Authorize(Policy = WebhookRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + WebhookRoutes.Test)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.TestAsync(request.HttpContext.User, id, cancellationToken);
}
