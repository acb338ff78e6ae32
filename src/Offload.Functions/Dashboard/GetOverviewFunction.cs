using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Dashboard;
using Offload.Http;

namespace Offload.Functions.Dashboard;

public sealed class GetOverviewFunction(OverviewApi api)
{
    [Function(nameof(GetOverviewFunction))]
    [Authorize(Policy = DashboardRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + DashboardRoutes.Overview)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.GetAsync(cancellationToken);
}
