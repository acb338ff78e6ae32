using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Videos;

namespace Offload.Functions.Videos;

public sealed class GetVideoFunction(VideoApi api)
{
    [Function(nameof(GetVideoFunction))]
    [Authorize(Policy = VideoRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + VideoRoutes.Video)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.GetAsync(request.HttpContext.User, id, cancellationToken);
}
