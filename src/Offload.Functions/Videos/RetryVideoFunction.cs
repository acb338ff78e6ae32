using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Offload.Functions.Http;
using Offload.Jobs;
using Offload.Videos;

namespace Offload.Functions.Videos;

public sealed class RetryVideoFunction(JobApi api)
{
    [Function(nameof(RetryVideoFunction))]
    public Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = VideoRoutes.Retry)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.RetryAsync(id, JobKinds.Video, VideoRoutes.StatusPath, cancellationToken).ToActionResult();
}
