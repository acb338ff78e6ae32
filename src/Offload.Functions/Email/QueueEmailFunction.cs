using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Email;
using Offload.Http;

namespace Offload.Functions.Email;

public sealed class QueueEmailFunction(EmailApi api)
{
    [Function(nameof(QueueEmailFunction))]
    [Authorize(Policy = EmailRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + EmailRoutes.Emails)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.QueueAsync(request, cancellationToken);
}
