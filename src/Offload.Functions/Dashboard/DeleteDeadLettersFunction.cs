using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Dashboard;
using Offload.Http;

namespace Offload.Functions.Dashboard;

public sealed class DeleteDeadLettersFunction(QueuesApi api)
{
    [Function(nameof(DeleteDeadLettersFunction))]
    [Authorize(Policy = DashboardRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiRoutes.FunctionsPrefix + DashboardRoutes.DeadLetters)] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        api.DeleteAllAsync(name, cancellationToken);
}
