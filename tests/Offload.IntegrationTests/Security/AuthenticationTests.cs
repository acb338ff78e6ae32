using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Offload.Access;
using Offload.IntegrationTests.Infrastructure;
using Offload.Storage;
using Offload.Testing;

namespace Offload.IntegrationTests.Security;

/// <summary>Who may call: every route but health needs a valid credential with the route's scope, on the real server.</summary>
[Collection(ServerCollection.Name)]
public sealed partial class AuthenticationTests(ServerFixture fixture)
{
    [GeneratedRegex("^offload_[0-9a-f]{16}_[0-9A-Za-z]{43}$")]
    private static partial Regex KeyPattern();

    [Fact]
    public void EveryHttpFunction_SaysWhoMayCallIt()
    {
        Assert.NotEmpty(ApiRoute.All);
        Assert.All(ApiRoute.All, r => Assert.True(r.Anonymous || Scopes.IsKnown(r.Policy ?? ""), $"{r} names no scope"));
        Assert.Equal(["GetDashboardPageFunction", "GetOpenApiFunction", "HealthFunction"], ApiRoute.All.Where(r => r.Anonymous).Select(r => r.Function));
    }

    [Theory]
    [MemberData(nameof(ApiRoute.Protected), MemberType = typeof(ApiRoute))]
    public async Task Route_AnswersUnauthorized_WithoutACredential(string function)
    {
        using var anonymous = fixture.Server.Client(credential: null);
        using var response = await anonymous.SendAsync(ApiRoute.Named(function).Request());

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("Authentication is required.", problem.GetProperty("title").GetString());
    }

    [Theory]
    [MemberData(nameof(ApiRoute.Protected), MemberType = typeof(ApiRoute))]
    public async Task Route_AnswersForbidden_WithoutItsScope(string function)
    {
        var route = ApiRoute.Named(function);
        string[] others = route.Policy switch
        {
            Scopes.Videos => [Scopes.Emails],
            Scopes.Emails => [Scopes.Videos],
            _ => [Scopes.Videos, Scopes.Emails],
        };
        var (_, key) = await fixture.Server.CreateKeyAsync(others);
        using var client = fixture.Server.Client(key);

        using var response = await client.SendAsync(route.Request());

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(route.Policy, problem.GetProperty("requiredScope").GetString());
    }

    [Fact]
    public async Task Health_NeedsNoCredential()
    {
        using var anonymous = fixture.Server.Client(credential: null);
        using var response = await anonymous.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("not-a-key")]
    [InlineData("offload_0123456789abcdef_0000000000000000000000000000000000000000000")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")]
    public async Task UnknownOrForgedCredential_IsRefused(string credential)
    {
        using var client = fixture.Server.Client(credential);
        using var response = await client.GetAsync("/api/keys");

        await Api.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.Single().Parameter);
    }

    [Fact]
    public async Task KeyWithTheRightIdButAnotherSecret_IsRefused()
    {
        var (id, key) = await fixture.Server.CreateKeyAsync(Scopes.Videos);
        var forged = key[..^4] + (key.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        Assert.Contains(id, forged);

        using var client = fixture.Server.Client(forged);
        using var response = await client.GetAsync($"/api/videos/{Offload.Jobs.JobId.New()}");

        await Api.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task NewKey_IsShownOnce_AndStoredOnlyAsItsHash()
    {
        using var response = await fixture.Http.PostAsJsonAsync("/api/keys", new { name = "web backend", scopes = new[] { "videos", "emails" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var (id, key) = (created.GetProperty("id").GetString()!, created.GetProperty("key").GetString()!);
        Assert.Matches(KeyPattern(), key);
        Assert.Equal(["emails", "videos"], created.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));

        var list = await fixture.Http.GetStringAsync("/api/keys");
        Assert.Contains(id, list);
        Assert.DoesNotContain(key, list);
        Assert.DoesNotContain(key[^43..], list);

        var row = (await new TableServiceClient(fixture.Azurite.ConnectionString).GetTableClient(StorageNames.ApiKeysTable)
            .GetEntityAsync<TableEntity>(id, ApiKey.RowKeyValue)).Value;
        Assert.DoesNotContain(row, p => p.Value is string s && s.Contains(key[^43..], StringComparison.Ordinal));
        Assert.Equal(ApiKeyFormat.Hash(key), row.GetString("Hash"));

        using var client = fixture.Server.Client(key);
        using var use = await client.GetAsync($"/api/emails/{Offload.Jobs.JobId.New()}");
        Assert.Equal(HttpStatusCode.NotFound, use.StatusCode);
        var listed = (await fixture.Http.GetFromJsonAsync<JsonElement>("/api/keys")).GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("id").GetString() == id);
        Assert.True(listed.TryGetProperty("lastUsedAt", out _), "the key's last use is recorded");
    }

    [Theory]
    [InlineData("""{"name":"","scopes":["videos"]}""", "name")]
    [InlineData("""{"name":"x","scopes":[]}""", "scopes")]
    [InlineData("""{"name":"x","scopes":["root"]}""", "scopes")]
    [InlineData("""{"name":"x"}""", "scopes")]
    public async Task CreateKey_NamesTheFieldAtFault(string body, string field)
    {
        using var response = await fixture.Http.PostAsync("/api/keys", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task RevokeKey_OfAnUnknownOrMalformedId_SaysSo()
    {
        await Api.AssertProblemAsync(await fixture.Http.DeleteAsync("/api/keys/0123456789abcdef"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await fixture.Http.DeleteAsync("/api/keys/nope"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task RevokedKey_IsRefusedWithinSeconds_OnEveryInstance()
    {
        // A second instance on the same storage (API only), like a second Functions instance.
        await using var second = await ServerProcess.StartAsync(fixture.Azurite.ConnectionString, args: ["--queues", "none"]);
        var (id, key) = await fixture.Server.CreateKeyAsync(Scopes.Emails);
        using var first = fixture.Server.Client(key);
        using var other = second.Client(key);
        var path = $"/api/emails/{Offload.Jobs.JobId.New()}";
        Assert.Equal(HttpStatusCode.NotFound, (await first.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(path)).StatusCode); // both now hold the key in their cache

        var revokedAt = DateTime.UtcNow;
        using var revoke = await fixture.Http.DeleteAsync($"/api/keys/{id}");
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.True((await revoke.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("revokedAt", out _));

        var refusedAfter = new List<double>();
        foreach (var client in new[] { first, other })
        {
            while ((await client.GetAsync(path)).StatusCode != HttpStatusCode.Unauthorized)
            {
                Assert.True(DateTime.UtcNow - revokedAt < TimeSpan.FromSeconds(30), "the revoked key still works after 30 s");
                await Task.Delay(100);
            }

            refusedAfter.Add((DateTime.UtcNow - revokedAt).TotalSeconds);
        }

        // The default key cache is 5 s: the key works nowhere a few seconds after its revocation.
        Assert.All(refusedAfter, s => Assert.True(s < 8, $"refused only after {s:0.0} s"));
        Measurements.Report($"revoked key refused by both instances within {refusedAfter.Max():0.0} s");
    }
}
