using Microsoft.AspNetCore.Http;
using Offload.Http;

namespace Offload.Health;

/// <summary>GET /api/health: 200 when storage and ffmpeg are usable, 503 (same body) when not.</summary>
public sealed class HealthApi(CheckHealthHandler check)
{
    public const string Route = "health";

    public async Task<IResult> GetAsync(CancellationToken cancellationToken)
    {
        var report = await check.HandleAsync(cancellationToken);
        return ApiResults.Ok(report, report.IsHealthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
