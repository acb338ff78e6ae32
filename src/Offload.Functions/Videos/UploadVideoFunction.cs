using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Videos;

namespace Offload.Functions.Videos;

public sealed class UploadVideoFunction(VideoApi api)
{
    [Function(nameof(UploadVideoFunction))]
    [Authorize(Policy = VideoRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + VideoRoutes.Videos)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.UploadAsync(request, cancellationToken);
}
