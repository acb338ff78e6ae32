using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Access;
using Offload.Http;

namespace Offload.Functions.Access;

public sealed class RevokeKeyFunction(KeysApi api)
{
    [Function(nameof(RevokeKeyFunction))]
    [Authorize(Policy = KeyRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiRoutes.FunctionsPrefix + KeyRoutes.Key)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.RevokeAsync(id, cancellationToken);
}
