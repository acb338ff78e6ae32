using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Videos;

namespace Offload.Functions.Videos;

public sealed class GetVideoPosterFunction(VideoApi api)
{
    [Function(nameof(GetVideoPosterFunction))]
    [Authorize(Policy = VideoRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + VideoRoutes.Poster)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.GetPosterAsync(request, id, cancellationToken);
}
