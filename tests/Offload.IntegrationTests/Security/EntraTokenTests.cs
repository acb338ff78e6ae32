using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Security;

/// <summary>
/// A server configured for Microsoft Entra ID (tenant and audience), whose authority is a local OpenID Connect
/// provider: tokens go through the real JwtBearer validation (metadata, signing keys, issuer, audience, lifetime)
/// and their app roles become scopes.
/// </summary>
public sealed class EntraServerFixture : ServerFixture
{
    public const string Audience = "api://offload-tests";

    public OpenIdProvider Identity { get; } = OpenIdProvider.Start();

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Auth__Entra__TenantId"] = Identity.TenantId,
        ["Auth__Entra__Audience"] = Audience,
        ["Auth__Entra__Instance"] = Identity.Instance,
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Identity.DisposeAsync();
    }
}

public sealed class EntraTokenTests(EntraServerFixture fixture) : IClassFixture<EntraServerFixture>
{
    private HttpClient ClientWith(string token) => fixture.Server.Client(token);

    private string Token(string objectId, params string[] roles) => fixture.Identity.Token(EntraServerFixture.Audience, objectId, roles);

    private static object Email(string name) => new { to = $"{name}-{Guid.NewGuid():N}@example.com", template = "welcome", model = new { name } };

    [Fact]
    public async Task TokenWithARole_IsAccepted_AndItsSubjectOwnsTheJob()
    {
        var (daemon, other) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        using var client = ClientWith(Token(daemon, "emails"));
        using var stranger = ClientWith(Token(other, "emails"));

        using var queued = await client.PostAsJsonAsync("/api/emails", Email("token"));
        var id = await queued.AcceptedIdAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/emails/{id}")).StatusCode);
        await Api.AssertProblemAsync(await stranger.GetAsync($"/api/emails/{id}"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await client.GetAsync($"/api/videos/{Offload.Jobs.JobId.New()}"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AdminRole_ManagesKeys()
    {
        using var admin = ClientWith(Token(Guid.NewGuid().ToString(), "Admin"));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/keys")).StatusCode);
    }

    [Fact]
    public async Task TokenWithoutARole_IsForbidden()
    {
        using var client = ClientWith(Token(Guid.NewGuid().ToString()));
        await Api.AssertProblemAsync(await client.PostAsJsonAsync("/api/emails", Email("none")), HttpStatusCode.Forbidden);
    }

    public static TheoryData<string> BadTokens() => ["wrong audience", "expired", "signed by someone else", "wrong issuer"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task BadToken_IsRefused(string what)
    {
        using var otherKey = RSA.Create(2048);
        var subject = Guid.NewGuid().ToString();
        var token = what switch
        {
            "wrong audience" => fixture.Identity.Token("api://someone-else", subject, ["admin"]),
            "expired" => fixture.Identity.Token(EntraServerFixture.Audience, subject, ["admin"], expiresIn: TimeSpan.FromMinutes(-10)),
            "signed by someone else" => fixture.Identity.Token(EntraServerFixture.Audience, subject, ["admin"], signWith: otherKey),
            _ => fixture.Identity.Token(EntraServerFixture.Audience, subject, ["admin"], issuer: "https://login.microsoftonline.com/another-tenant/v2.0"),
        };
        using var client = ClientWith(token);

        using var response = await client.GetAsync("/api/keys");

        await Api.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.Single().Parameter);
    }

    [Fact]
    public async Task ApiKeys_StillWork_BesideTokens()
    {
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.GetAsync("/api/keys")).StatusCode);
    }
}
