using System.Collections.Immutable;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
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
    private async Task<(int Status, bool Ran, HttpContext Http, JsonElement Body)> InvokeAsync(string entryPoint, string? credential)
    {
        // A request's services are a scope of their own, as in the worker.
        await using var scope = fixture.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Response.Body = new MemoryStream();
        if (credential is not null)
            http.Request.Headers.Authorization = $"Bearer {credential}";
        var context = new StubFunctionContext(entryPoint, http, scope.ServiceProvider);
        var ran = false;

        await ActivatorUtilities.CreateInstance<AccessMiddleware>(fixture.Services).Invoke(context, _ =>
        {
            ran = true;
            return Task.CompletedTask;
        });

        var text = Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());
        return (http.Response.StatusCode, ran, http, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string EntryPoint<T>() => $"{typeof(T).FullName}.RunAsync";

    private async Task<string> KeyAsync(params string[] scopes) =>
        (await fixture.Services.GetRequiredService<ApiKeyStore>().CreateAsync("middleware test", scopes, null, CancellationToken.None)).Key;

    [Fact]
    public async Task NoCredential_Is401WithAChallenge_AndTheFunctionNeverRuns()
    {
        var (status, ran, http, body) = await InvokeAsync(EntryPoint<GetVideoFunction>(), credential: null);

        Assert.Equal((401, false), (status, ran));
        Assert.StartsWith("Bearer", http.Response.Headers.WWWAuthenticate.ToString());
        Assert.Equal("Authentication is required.", body.GetProperty("title").GetString());
    }

    [Fact]
    public async Task KeyWithoutTheScope_Is403()
    {
        var (status, ran, _, body) = await InvokeAsync(EntryPoint<QueueEmailFunction>(), await KeyAsync(Scopes.Videos));

        Assert.Equal((403, false), (status, ran));
        Assert.Equal(Scopes.Emails, body.GetProperty("requiredScope").GetString());
    }

    [Fact]
    public async Task KeyWithTheScope_RunsTheFunction_AsItsOwner()
    {
        var key = await KeyAsync(Scopes.Videos);
        var (_, ran, http, _) = await InvokeAsync(EntryPoint<GetVideoFunction>(), key);

        Assert.True(ran);
        Assert.Equal(ApiKey.OwnerOf(ApiKeyFormat.IdOf(key)!), Caller.From(http.User).OwnerId);
    }

    [Fact]
    public async Task Health_RunsWithoutACredential()
    {
        var (_, ran, _, _) = await InvokeAsync(EntryPoint<HealthFunction>(), credential: null);
        Assert.True(ran);
    }

    [Fact]
    public async Task RevokedKey_Is401()
    {
        var key = await KeyAsync(Scopes.Admin);
        await fixture.Services.GetRequiredService<ApiKeyStore>().RevokeAsync(ApiKeyFormat.IdOf(key)!, CancellationToken.None);

        var (status, ran, _, _) = await InvokeAsync(EntryPoint<ListKeysFunction>(), key);

        Assert.Equal((401, false), (status, ran));
    }

    private sealed class StubFunctionContext(string entryPoint, HttpContext http, IServiceProvider services) : FunctionContext
    {
        public override string InvocationId => "test";
        public override string FunctionId => entryPoint;
        public override TraceContext TraceContext => null!;
        public override BindingContext BindingContext => null!;
        public override RetryContext RetryContext => null!;
        public override IServiceProvider InstanceServices { get; set; } = services;
        public override FunctionDefinition FunctionDefinition { get; } = new StubDefinition(entryPoint);
        public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object> { ["HttpRequestContext"] = http };
        public override IInvocationFeatures Features => null!;
    }

    private sealed class StubDefinition(string entryPoint) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters => [];
        public override string PathToAssembly => typeof(AccessMiddleware).Assembly.Location;
        public override string EntryPoint => entryPoint;
        public override string Id => entryPoint;
        public override string Name => entryPoint[(entryPoint.LastIndexOf('.', entryPoint.Length - 10) + 1)..];
        public override IImmutableDictionary<string, BindingMetadata> InputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
        public override IImmutableDictionary<string, BindingMetadata> OutputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
    }
}
