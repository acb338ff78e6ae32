using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Health;

namespace Offload.Functions.Health;

public sealed class HealthFunction(HealthApi api)
{
    [Function(nameof(HealthFunction))]
    [AllowAnonymous]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = HealthApi.Route)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.GetAsync(cancellationToken);
}
