using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Uploads;

namespace Offload.Functions.Uploads;

public sealed class SubmitUploadFunction(UploadApi api)
{
    [Function(nameof(SubmitUploadFunction))]
    [Authorize(Policy = UploadRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + UploadRoutes.Submit)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.SubmitAsync(request.HttpContext.User, id, cancellationToken);
}
