using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Dashboard;
using Offload.Http;

namespace Offload.Functions.Dashboard;

public sealed class ListJobsFunction(AllJobsApi api)
{
    [Function(nameof(ListJobsFunction))]
    [Authorize(Policy = DashboardRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + DashboardRoutes.Jobs)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.ListAsync(request, cancellationToken);
}
