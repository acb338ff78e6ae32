using Microsoft.Playwright;
using Offload.IntegrationTests.Infrastructure;
using Offload.IntegrationTests.Security;
using Offload.Testing;

namespace Offload.IntegrationTests.Dashboard;

/// <summary>A server whose dashboard signs in with Entra ID: the tenant's stand-in on loopback plays Entra ID's part.</summary>
public sealed class EntraDashboardFixture : ServerFixture
{
    public const string ClientId = "offload-dashboard-tests";

    public OpenIdProvider Identity { get; } = OpenIdProvider.Start();

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Auth__Entra__TenantId"] = Identity.TenantId,
        ["Auth__Entra__Audience"] = EntraServerFixture.Audience,
        ["Auth__Entra__Instance"] = Identity.Instance,
        ["Auth__Entra__DashboardClientId"] = ClientId,
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Identity.DisposeAsync();
    }
}

/// <summary>
/// Signing in to the dashboard with Entra ID in Chromium: the authorization code flow with PKCE, in the page, against
/// the stand-in's authorize and token endpoints, whose token then goes through the server's real validation.
/// </summary>
public sealed class DashboardEntraTests(EntraDashboardFixture fixture) : IClassFixture<EntraDashboardFixture>, IAsyncLifetime
{
    private DashboardBrowser _browser = null!;

    private IPage Page => _browser.Page;

    public async Task InitializeAsync() => _browser = await DashboardBrowser.StartAsync(fixture.Server.BaseAddress);

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _browser.AssertNothingAmiss();
    }

    [Fact]
    public async Task APersonWithTheAdminRole_SignsInWithEntraId_AndSeesTheOverview()
    {
        fixture.Identity.SignedIn = (EntraServerFixture.Audience, Guid.NewGuid().ToString(), ["Admin"]);
        var before = fixture.Identity.TokensGiven;

        await Page.GotoAsync("/dashboard/#/queues");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in with Microsoft Entra ID" }).ClickAsync();

        await Assertions.Expect(Page.Locator("#queues tr")).ToHaveCountAsync(4); // back where it started, signed in
        Assert.Equal(before + 1, fixture.Identity.TokensGiven);
        Assert.DoesNotContain("code=", Page.Url, StringComparison.Ordinal); // the code is not left in the address
        Assert.EndsWith("/dashboard/#/queues", Page.Url, StringComparison.Ordinal);
        var policy = (await Page.APIRequest.GetAsync("/dashboard/")).Headers["content-security-policy"];
        Assert.Contains($"connect-src 'self' {fixture.Identity.Instance.TrimEnd('/')};", policy);
    }

    [Fact]
    public async Task APersonWithoutTheAdminRole_IsToldSo_AndSeesNothing()
    {
        fixture.Identity.SignedIn = (EntraServerFixture.Audience, Guid.NewGuid().ToString(), ["emails"]);

        await Page.GotoAsync("/dashboard/");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in with Microsoft Entra ID" }).ClickAsync();

        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("without the Admin role");
        await Assertions.Expect(Page.Locator("#view")).ToBeHiddenAsync();
        _browser.ConsoleErrors.RemoveAll(e => e.Contains("403", StringComparison.Ordinal)); // the browser's own note of the refusal
    }
}
