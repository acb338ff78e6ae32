using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Offload.Access;
using Offload.Functions.Http;
using Offload.Http;
using Offload.IntegrationTests.Infrastructure;
using Offload.IntegrationTests.Security;
using Offload.Testing;

namespace Offload.IntegrationTests.Http;

/// <summary>
/// One OpenAPI document describes the API, the same from both hosts: the server generates it from its endpoints, the
/// Functions host serves the copy checked in as src/Offload.Functions/openapi.json. When the routes change, the copy
/// is written anew by running these tests with OFFLOAD_UPDATE_OPENAPI=1 (then rebuild: the Functions host embeds it).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class OpenApiDocumentTests(ServerFixture fixture)
{
    private static readonly string CheckedIn = Path.Combine(Repo.Root, "src", "Offload.Functions", GetOpenApiFunction.ResourceName);
    private static readonly string DocumentPath = $"{ApiRoutes.Prefix}/{ApiRoutes.Document}";

    private async Task<string> ServersDocumentAsync()
    {
        using var response = await fixture.Http.GetAsync(DocumentPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>What GetOpenApiFunction answers, written as the worker writes a function's IResult (WorkerPipelineTests).</summary>
    private static async Task<(HttpContext Http, string Body)> FunctionsDocumentAsync()
    {
        await using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Method = "GET";
        http.Request.Path = DocumentPath;
        http.Response.Body = new MemoryStream();

        await new GetOpenApiFunction().Run(http.Request).ExecuteAsync(http);

        return (http, Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray()));
    }

    [Fact]
    public async Task TheServer_ServesAnOpenApi31Document_ToAnyone()
    {
        using var anonymous = fixture.Server.Client(credential: null);
        using var response = await anonymous.GetAsync(DocumentPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.StartsWith("3.1.", document["openapi"]!.GetValue<string>());
        Assert.Equal("Offload", document["info"]!["title"]!.GetValue<string>());
        Assert.Null(document["servers"]); // one document for every deployment: clients add the address they call
    }

    [Fact]
    public async Task TheReferencePage_IsServedToAnyone_FromTheServerAlone()
    {
        using var anonymous = fixture.Server.Client(credential: null);
        using var page = await anonymous.GetAsync($"{ApiRoutes.Prefix}/reference/");
        using var script = await anonymous.GetAsync($"{ApiRoutes.Prefix}/reference/scalar.js");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (page.StatusCode, script.StatusCode));
        Assert.Contains(Uri.EscapeDataString($"{ApiRoutes.Prefix}/reference/"), await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheFunctionsHost_ServesTheServersDocument()
    {
        var live = await ServersDocumentAsync();
        var (http, shipped) = await FunctionsDocumentAsync();

        Assert.Equal(200, http.Response.StatusCode);
        Assert.StartsWith("application/json", http.Response.ContentType);
        if (JsonNode.DeepEquals(JsonNode.Parse(live), JsonNode.Parse(shipped)))
            return;
        if (Environment.GetEnvironmentVariable("OFFLOAD_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(CheckedIn, live + "\n");
            Assert.Fail($"Wrote the server's document to {CheckedIn}: rebuild (the Functions host embeds it), run again, and commit it.");
        }

        Assert.Fail($"The Functions host's {CheckedIn} is not the server's document any more. Run these tests with " +
                    "OFFLOAD_UPDATE_OPENAPI=1 to write it anew, rebuild, and review the change to the API.");
    }

    [Fact]
    public async Task TheCheckedInDocument_IsTheOneTheFunctionsHostEmbeds()
    {
        var (_, shipped) = await FunctionsDocumentAsync();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await File.ReadAllTextAsync(CheckedIn)), JsonNode.Parse(shipped)),
            $"{CheckedIn} changed since the Functions host was built: rebuild it.");
    }

    [Fact]
    public async Task TheDocument_ListsExactlyTheRoutesBothHostsServe_EachWithItsAccess()
    {
        var document = JsonNode.Parse(await ServersDocumentAsync())!;
        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => (Method: op.Key.ToUpperInvariant(), Path: path.Key, Operation: op.Value!)))
            .ToList();
        // The document does not describe itself, nor the dashboard's page (static files, not the API): every other HTTP function is a route in it.
        var functions = ApiRoute.All.Where(r => r.Function is not (nameof(GetOpenApiFunction) or nameof(Offload.Functions.Dashboard.GetDashboardPageFunction))).ToList();

        Assert.Equal(
            functions.Select(r => $"{r.Method} /{r.Route}").Order(StringComparer.Ordinal),
            operations.Select(o => $"{o.Method} {o.Path}").Order(StringComparer.Ordinal));
        foreach (var route in functions)
        {
            var operation = operations.Single(o => o.Method == route.Method && o.Path == $"/{route.Route}").Operation;
            Assert.Equal(route.Function, operation["operationId"]!.GetValue<string>() + "Function");
            Assert.False(string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>()), $"{route} has no summary");
            var responses = operation["responses"]!.AsObject();
            Assert.All(responses.Where(r => r.Key[0] == '4'), r => Assert.NotNull(r.Value!["content"]?["application/problem+json"]));
            if (route.Anonymous)
            {
                Assert.Null(operation["security"]);
                continue;
            }

            var requirement = Assert.Single(operation["security"]!.AsArray())!.AsObject();
            Assert.Equal([route.Policy], requirement[BearerCredential.Scheme]!.AsArray().Select(s => s!.GetValue<string>()));
            Assert.Single(requirement);
            Assert.NotNull(responses["401"]?["content"]?["application/problem+json"]);
            Assert.NotNull(responses["403"]?["content"]?["application/problem+json"]);
        }

        var scheme = document["components"]!["securitySchemes"]![BearerCredential.Scheme]!;
        Assert.Equal(("http", "bearer"), (scheme["type"]!.GetValue<string>(), scheme["scheme"]!.GetValue<string>()));
    }

    [Fact]
    public void TheFunctionsHost_ServesTheDocumentToAnyone_AtTheServersPath()
    {
        var route = ApiRoute.Named(nameof(GetOpenApiFunction));
        Assert.Equal(("GET", ApiRoutes.FunctionsPrefix + ApiRoutes.Document, true), (route.Method, route.Route, route.Anonymous));
    }
}
