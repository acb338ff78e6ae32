using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Dashboard;
using Offload.Http;

namespace Offload.Functions.Dashboard;

public sealed class GetJobFunction(AllJobsApi api)
{
    [Function(nameof(GetJobFunction))]
    [Authorize(Policy = DashboardRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + DashboardRoutes.Job)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.GetAsync(id, cancellationToken);
}
