using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Dashboard;
using Offload.Http;

namespace Offload.Functions.Dashboard;

public sealed class RequeueDeadLettersFunction(QueuesApi api)
{
    [Function(nameof(RequeueDeadLettersFunction))]
    [Authorize(Policy = DashboardRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + DashboardRoutes.RequeueDeadLetters)] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        api.RequeueAllAsync(request.HttpContext.User, name, cancellationToken);
}
