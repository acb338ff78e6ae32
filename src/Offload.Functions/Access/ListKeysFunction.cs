using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Access;
using Offload.Http;

namespace Offload.Functions.Access;

public sealed class ListKeysFunction(KeysApi api)
{
    [Function(nameof(ListKeysFunction))]
    [Authorize(Policy = KeyRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + KeyRoutes.Keys)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.ListAsync(cancellationToken);
}
