using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.DependencyInjection;
using Offload.Access;
using Offload.Functions.Access;
using Offload.Functions.Email;
using Offload.Functions.Health;
using Offload.Functions.Videos;
using Offload.IntegrationTests.Infrastructure;

namespace Offload.IntegrationTests.Functions;

/// <summary>
/// The Functions host's gate, run as the worker runs it: a function invocation with its HttpContext, real keys in
/// Azurite, the app's own schemes and policies. (The FunctionContext is a stand-in; the worker cannot run here.)
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class AccessMiddlewareTests(StorageFixture fixture)
{
    private async Task<(int Status, bool Ran, HttpContext Http, JsonElement Body)> InvokeAsync(System.Reflection.MethodInfo function, string? credential)
    {
        // A request's services are a scope of their own, as in the worker.
        await using var scope = fixture.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Response.Body = new MemoryStream();
        if (credential is not null)
            http.Request.Headers.Authorization = $"Bearer {credential}";
        // As FunctionsHttpProxyingMiddleware leaves it before the app's middleware runs.
        var context = new StubFunctionContext(function, scope.ServiceProvider) { Items = { ["HttpRequestContext"] = http } };
        var ran = false;

        await ActivatorUtilities.CreateInstance<AccessMiddleware>(fixture.Services).Invoke(context, _ =>
        {
            ran = true;
            return Task.CompletedTask;
        });

        var text = Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());
        return (http.Response.StatusCode, ran, http, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static System.Reflection.MethodInfo Function<T>() => typeof(T).GetMethod("RunAsync")!;

    private async Task<string> KeyAsync(params string[] scopes) =>
        (await fixture.Services.GetRequiredService<ApiKeyStore>().CreateAsync("middleware test", scopes, null, CancellationToken.None)).Key;

    [Fact]
    public async Task NoCredential_Is401WithAChallenge_AndTheFunctionNeverRuns()
    {
        var (status, ran, http, body) = await InvokeAsync(Function<GetVideoFunction>(), credential: null);

        Assert.Equal((401, false), (status, ran));
        Assert.StartsWith("Bearer", http.Response.Headers.WWWAuthenticate.ToString());
        Assert.Equal("Authentication is required.", body.GetProperty("title").GetString());
    }

    [Fact]
    public async Task KeyWithoutTheScope_Is403()
    {
        var (status, ran, _, body) = await InvokeAsync(Function<QueueEmailFunction>(), await KeyAsync(Scopes.Videos));

        Assert.Equal((403, false), (status, ran));
        Assert.Equal(Scopes.Emails, body.GetProperty("requiredScope").GetString());
    }

    [Fact]
    public async Task KeyWithTheScope_RunsTheFunction_AsItsOwner()
    {
        var key = await KeyAsync(Scopes.Videos);
        var (_, ran, http, _) = await InvokeAsync(Function<GetVideoFunction>(), key);

        Assert.True(ran);
        Assert.Equal(ApiKey.OwnerOf(ApiKeyFormat.IdOf(key)!), Caller.From(http.User).OwnerId);
    }

    [Fact]
    public async Task Health_RunsWithoutACredential()
    {
        var (_, ran, _, _) = await InvokeAsync(Function<HealthFunction>(), credential: null);
        Assert.True(ran);
    }

    [Fact]
    public async Task RevokedKey_Is401()
    {
        var key = await KeyAsync(Scopes.Admin);
        await fixture.Services.GetRequiredService<ApiKeyStore>().RevokeAsync(ApiKeyFormat.IdOf(key)!, CancellationToken.None);

        var (status, ran, _, _) = await InvokeAsync(Function<ListKeysFunction>(), key);

        Assert.Equal((401, false), (status, ran));
    }
}
