using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Email;
using Offload.Http;

namespace Offload.Functions.Email;

public sealed class ListEmailTemplatesFunction(EmailTemplatesApi api)
{
    [Function(nameof(ListEmailTemplatesFunction))]
    [Authorize(Policy = EmailRoutes.Policy)]
    public IResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.FunctionsPrefix + EmailRoutes.Templates)] HttpRequest request) =>
        api.List();
}
