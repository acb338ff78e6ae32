using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Videos;

namespace Offload.Functions.Videos;

public sealed class CancelVideoFunction(VideoApi api)
{
    [Function(nameof(CancelVideoFunction))]
    [Authorize(Policy = VideoRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = VideoRoutes.Video)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.CancelAsync(request.HttpContext.User, id, cancellationToken);
}
