using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Email;
using Offload.Http;
using Offload.Jobs;

namespace Offload.Functions.Email;

public sealed class RetryEmailFunction(JobApi api)
{
    [Function(nameof(RetryEmailFunction))]
    [Authorize(Policy = EmailRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + EmailRoutes.Retry)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.RetryAsync(request.HttpContext.User, id, EmailJob.Kind, EmailRoutes.StatusPath, cancellationToken);
}
