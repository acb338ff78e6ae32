using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Offload.Email;
using Offload.Functions.Http;

namespace Offload.Functions.Email;

public sealed class ListEmailTemplatesFunction(EmailTemplatesApi api)
{
    [Function(nameof(ListEmailTemplatesFunction))]
    [Authorize(Policy = EmailRoutes.Policy)]
    public IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EmailRoutes.Templates)] HttpRequest request) =>
        api.List().ToActionResult();
}
