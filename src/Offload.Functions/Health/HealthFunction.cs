using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Offload.Functions.Http;
using Offload.Health;

namespace Offload.Functions.Health;

public sealed class HealthFunction(HealthApi api)
{
    [Function(nameof(HealthFunction))]
    [AllowAnonymous]
    public Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = HealthApi.Route)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.GetAsync(cancellationToken).ToActionResult();
}
