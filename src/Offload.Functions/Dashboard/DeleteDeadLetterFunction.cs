using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Dashboard;
using Offload.Http;

namespace Offload.Functions.Dashboard;

public sealed class DeleteDeadLetterFunction(QueuesApi api)
{
    [Function(nameof(DeleteDeadLetterFunction))]
    [Authorize(Policy = DashboardRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiRoutes.FunctionsPrefix + DashboardRoutes.DeadLetter)] HttpRequest request,
        string name,
        string id,
        CancellationToken cancellationToken) =>
        api.DeleteAsync(name, id, cancellationToken);
}
