using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Dashboard;

namespace Offload.Functions.Dashboard;

public sealed class ListQueuesFunction(QueuesApi api)
{
    [Function(nameof(ListQueuesFunction))]
    [Authorize(Policy = DashboardRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Queues)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.ListAsync(cancellationToken);
}
