using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Email;
using Offload.Http;

namespace Offload.Functions.Email;

public sealed class GetEmailFunction(EmailApi api)
{
    [Function(nameof(GetEmailFunction))]
    [Authorize(Policy = EmailRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + EmailRoutes.Email)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.GetAsync(request.HttpContext.User, id, cancellationToken);
}
