using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Access;
using Offload.Http;

namespace Offload.Functions.Access;

public sealed class CreateKeyFunction(KeysApi api)
{
    [Function(nameof(CreateKeyFunction))]
    [Authorize(Policy = KeyRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + KeyRoutes.Keys)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.CreateAsync(request, request.HttpContext.User, cancellationToken);
}
