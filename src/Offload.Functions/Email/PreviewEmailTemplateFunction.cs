using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Email;
using Offload.Http;

namespace Offload.Functions.Email;

public sealed class PreviewEmailTemplateFunction(EmailTemplatesApi api)
{
    [Function(nameof(PreviewEmailTemplateFunction))]
    [Authorize(Policy = EmailRoutes.Policy)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.FunctionsPrefix + EmailRoutes.TemplatePreview)] HttpRequest request,
        string name,
        CancellationToken cancellationToken) =>
        api.PreviewAsync(request, name, cancellationToken);
}
