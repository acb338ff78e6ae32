using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Offload.Email;
using Offload.Functions.Http;

namespace Offload.Functions.Email;

public sealed class GetEmailFunction(EmailApi api)
{
    [Function(nameof(GetEmailFunction))]
    public Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = EmailRoutes.Email)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        api.GetAsync(id, cancellationToken).ToActionResult();
}
