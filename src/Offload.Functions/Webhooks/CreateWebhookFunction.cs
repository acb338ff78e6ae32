using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Webhooks;

namespace Offload.Functions.Webhooks;

public sealed class CreateWebhookFunction(WebhooksApi api)
{
    [Function(nameof(CreateWebhookFunction))]
    [Authorize(Policy = WebhookRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + WebhookRoutes.Webhooks)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.CreateAsync(request, cancellationToken);
}
