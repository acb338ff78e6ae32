using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Videos;

namespace Offload.Functions.Videos;

public sealed class CancelVideoFunction(VideoApi api)
{
    [Function(nameof(CancelVideoFunction))]
    [Authorize(Policy = VideoRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiRoutes.FunctionsPrefix + VideoRoutes.Video)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.CancelAsync(request.HttpContext.User, id, cancellationToken);
}
