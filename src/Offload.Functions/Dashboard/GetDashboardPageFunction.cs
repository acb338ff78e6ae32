using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Offload.Dashboard;

namespace Offload.Functions.Dashboard;

/// <summary>
/// GET /dashboard/{path}, open to anyone: the dashboard's static files (<see cref="DashboardPages"/>), which hold no
/// data; what the page shows comes from the admin routes. <c>/dashboard</c> alone goes to <c>/dashboard/</c>, where the
/// page's relative links resolve.
/// </summary>
public sealed class GetDashboardPageFunction(DashboardPages pages)
{
    [Function(nameof(GetDashboardPageFunction))]
    [AllowAnonymous]
    public IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Page)] HttpRequest request, string? path) =>
        string.IsNullOrEmpty(path) && !request.Path.Value!.EndsWith('/')
            ? Results.Redirect($"/{DashboardRoutes.PagePrefix}/")
            : pages.Get(path);
}
