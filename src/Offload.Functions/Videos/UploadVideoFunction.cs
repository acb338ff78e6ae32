using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Offload.Functions.Http;
using Offload.Videos;

namespace Offload.Functions.Videos;

public sealed class UploadVideoFunction(VideoApi api)
{
    [Function(nameof(UploadVideoFunction))]
    [Authorize(Policy = VideoRoutes.Policy)]
    public Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = VideoRoutes.Videos)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.UploadAsync(request, cancellationToken).ToActionResult();
}
