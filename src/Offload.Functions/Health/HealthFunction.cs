using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Health;
using Offload.Http;

namespace Offload.Functions.Health;

public sealed class HealthFunction(HealthApi api)
{
    [Function(nameof(HealthFunction))]
    [AllowAnonymous]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + HealthApi.Route)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.GetAsync(cancellationToken);
}
