using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Dashboard;

namespace Offload.Functions.Dashboard;

public sealed class ListDeadLettersFunction(QueuesApi api)
{
    [Function(nameof(ListDeadLettersFunction))]
    [Authorize(Policy = DashboardRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.DeadLetters)] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        api.ListDeadLettersAsync(name, cancellationToken);
}
