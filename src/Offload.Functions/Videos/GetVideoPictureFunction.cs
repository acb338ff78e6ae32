using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Videos;

namespace Offload.Functions.Videos;

public sealed class GetVideoPictureFunction(VideoApi api)
{
    [Function(nameof(GetVideoPictureFunction))]
    [Authorize(Policy = VideoRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + VideoRoutes.Picture)] HttpRequest request,
        string id,
        string name,
        CancellationToken cancellationToken) =>
        api.GetPictureAsync(request, id, name, cancellationToken);
}
