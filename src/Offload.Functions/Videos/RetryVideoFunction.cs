using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Jobs;
using Offload.Videos;

namespace Offload.Functions.Videos;

public sealed class RetryVideoFunction(JobApi api)
{
    [Function(nameof(RetryVideoFunction))]
    [Authorize(Policy = VideoRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + VideoRoutes.Retry)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.RetryAsync(request.HttpContext.User, id, VideoJob.Kind, VideoRoutes.StatusPath, cancellationToken);
}
