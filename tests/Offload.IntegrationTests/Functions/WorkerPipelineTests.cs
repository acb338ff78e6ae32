using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Offload.Access;
using Offload.Functions.Access;
using Offload.Functions.Videos;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Functions;

/// <summary>
/// The functions return the shared API's <see cref="IResult"/> as it is: the worker's ASP.NET Core integration writes
/// it to the response itself (<c>FunctionsHttpProxyingMiddleware.TryHandleHttpResult</c> runs an <c>IActionResult</c>,
/// an <c>IResult</c>, or neither). These run real functions through the worker's own pipeline (<see cref="WorkerPipeline"/>).
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class WorkerPipelineTests(StorageFixture fixture)
{
    private async Task<(int Status, HttpContext Http, JsonElement Body)> InvokeAsync(
        MethodInfo function, string credential, string method, string path, byte[]? body = null, string? contentType = null,
        IReadOnlyDictionary<string, string>? routeValues = null, string? idempotencyKey = null)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = method;
        http.Request.Path = path;
        http.Request.Headers.Authorization = $"Bearer {credential}";
        if (idempotencyKey is not null)
            http.Request.Headers["Idempotency-Key"] = idempotencyKey;
        if (body is not null)
        {
            http.Request.Body = new MemoryStream(body);
            http.Request.ContentLength = body.Length;
            http.Request.ContentType = contentType;
        }

        http.Response.Body = new MemoryStream();

        await WorkerPipeline.InvokeAsync(function, http, routeValues);

        var text = Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());
        return (http.Response.StatusCode, http, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static MethodInfo Function<T>() => typeof(T).GetMethod("RunAsync")!;

    private async Task<string> KeyAsync(params string[] scopes) =>
        (await fixture.Services.GetRequiredService<ApiKeyStore>().CreateAsync("worker pipeline test", scopes, null, CancellationToken.None)).Key;

    [Fact]
    public void EveryHttpFunction_ReturnsAnIResult()
    {
        var http = typeof(AccessMiddleware).Assembly.GetTypes().SelectMany(t => t.GetMethods())
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null
                        && m.GetParameters().Any(p => p.GetCustomAttribute<HttpTriggerAttribute>() is not null))
            .ToList();

        Assert.NotEmpty(http);
        Assert.All(http, m => Assert.Contains(m.ReturnType, new[] { typeof(Task<IResult>), typeof(IResult) }));
    }

    [Fact]
    public async Task AProblemResult_IsWrittenByTheWorker_StatusTypeAndBody()
    {
        var id = Offload.Jobs.JobId.New();

        var (status, http, body) = await InvokeAsync(Function<GetVideoFunction>(), await KeyAsync(Scopes.Videos), "GET", $"/api/videos/{id}",
            routeValues: new Dictionary<string, string> { ["id"] = id });

        Assert.Equal(404, status);
        Assert.StartsWith("application/problem+json", http.Response.ContentType);
        Assert.Equal($"There is no video job '{id}'.", body.GetProperty("title").GetString());
    }

    [Fact]
    public async Task AnAcceptedResult_IsWrittenByTheWorker_WithItsLocationAndHeaders()
    {
        var key = await KeyAsync(Scopes.Videos);
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent));
        var idempotencyKey = Guid.NewGuid().ToString();

        var (status, http, body) = await InvokeAsync(Function<UploadVideoFunction>(), key, "POST", "/api/videos", clip, "video/x-msvideo", idempotencyKey: idempotencyKey);
        var (againStatus, again, againBody) = await InvokeAsync(Function<UploadVideoFunction>(), key, "POST", "/api/videos", clip, "video/x-msvideo", idempotencyKey: idempotencyKey);

        Assert.Equal((202, 202), (status, againStatus));
        var id = body.GetProperty("id").GetString();
        Assert.Equal($"/api/videos/{id}", http.Response.Headers.Location);
        Assert.StartsWith("application/json", http.Response.ContentType);
        Assert.Equal(id, againBody.GetProperty("id").GetString());
        Assert.Equal("true", again.Response.Headers["Idempotent-Replayed"]);
    }
}
