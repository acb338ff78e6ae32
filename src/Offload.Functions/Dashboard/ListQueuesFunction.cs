using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Dashboard;
using Offload.Http;

namespace Offload.Functions.Dashboard;

public sealed class ListQueuesFunction(QueuesApi api)
{
    [Function(nameof(ListQueuesFunction))]
    [Authorize(Policy = DashboardRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + DashboardRoutes.Queues)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.ListAsync(cancellationToken);
}
