using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Dashboard;
using Offload.Http;

namespace Offload.Functions.Dashboard;

public sealed class RetryJobFunction(AllJobsApi api)
{
    [Function(nameof(RetryJobFunction))]
    [Authorize(Policy = DashboardRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + DashboardRoutes.Retry)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.RetryAsync(request.HttpContext.User, id, cancellationToken);
}
