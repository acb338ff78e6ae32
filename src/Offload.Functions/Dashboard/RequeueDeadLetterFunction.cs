using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Dashboard;
using Offload.Http;

namespace Offload.Functions.Dashboard;

public sealed class RequeueDeadLetterFunction(QueuesApi api)
{
    [Function(nameof(RequeueDeadLetterFunction))]
    [Authorize(Policy = DashboardRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + DashboardRoutes.RequeueDeadLetter)] HttpRequest request,
        string name,
        string id,
        CancellationToken cancellationToken) =>
        api.RequeueAsync(request.HttpContext.User, name, id, cancellationToken);
}
