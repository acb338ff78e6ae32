using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Offload.Functions.Http;

/// <summary>
/// The shared API answers with ASP.NET Core's <see cref="IResult"/>; the Functions ASP.NET Core integration
/// takes <see cref="IActionResult"/>. This bridges the two without changing a byte of the response.
/// </summary>
public static class ResultExtensions
{
    public static IActionResult ToActionResult(this IResult result) => new ResultActionResult(result);

    public static async Task<IActionResult> ToActionResult(this Task<IResult> result) => new ResultActionResult(await result);

    private sealed class ResultActionResult(IResult result) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
    }
}
