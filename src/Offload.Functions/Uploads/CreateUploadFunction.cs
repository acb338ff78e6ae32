using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Http;
using Offload.Uploads;

namespace Offload.Functions.Uploads;

public sealed class CreateUploadFunction(UploadApi api)
{
    [Function(nameof(CreateUploadFunction))]
    [Authorize(Policy = UploadRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + UploadRoutes.Uploads)] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.CreateAsync(request, cancellationToken);
}
