using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Dashboard;
using Offload.Http;

namespace Offload.Functions.Dashboard;

public sealed class ListDeadLettersFunction(QueuesApi api)
{
    [Function(nameof(ListDeadLettersFunction))]
    [Authorize(Policy = DashboardRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + DashboardRoutes.DeadLetters)] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        api.ListDeadLettersAsync(name, cancellationToken);
}
