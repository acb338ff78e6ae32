using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Videos;

namespace Offload.Functions.Videos;

public sealed class GetVideoOutputFunction(VideoApi api)
{
    [Function(nameof(GetVideoOutputFunction))]
    [Authorize(Policy = VideoRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + VideoRoutes.Output)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.GetOutputAsync(request, id, cancellationToken);
}
