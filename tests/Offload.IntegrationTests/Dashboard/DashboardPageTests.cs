using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Offload.Access;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard in a real browser (Debian's Chromium, driven by Playwright) against a real server: signing in, the
/// list, a running encode followed live, a retry from the page. Every test also holds the page to two rules: no
/// console error, and no request to anywhere but this server and its storage, both on 127.0.0.1.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class DashboardPageTests(ServerFixture fixture) : IAsyncLifetime
{
    private DashboardBrowser _browser = null!;
    private HttpClient _alice = null!;
    private string _aliceId = null!;

    private IPage Page => _browser.Page;

    public async Task InitializeAsync()
    {
        _browser = await DashboardBrowser.StartAsync(fixture.Server.BaseAddress);
        var (id, key) = await fixture.Server.CreateKeyAsync(Scopes.Videos, Scopes.Emails);
        (_alice, _aliceId) = (fixture.Server.Client(key), $"key:{id}");
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _alice.Dispose();
        _browser.AssertNothingAmiss();
    }

    private Task<string> AsAdminAsync(string hash) => SignInAsync(ServerProcess.AdminKey, hash);

    private async Task<string> SignInAsync(string key, string hash)
    {
        await _browser.SignInAsync(key, hash);
        return key;
    }

    [Fact]
    public async Task ThePage_IsServedUnderAStrictPolicy_AndHoldsNoData()
    {
        using var anonymous = fixture.Server.Client(null);
        using var response = await anonymous.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("script-src 'self'", policy);
        Assert.Contains("connect-src 'self'", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.DoesNotContain("unsafe", policy);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync("/dashboard/%2e%2e/appsettings.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/dashboard/secrets.js")).StatusCode);
    }

    [Fact]
    public async Task WithoutAnAdminKey_TheDashboardIsRefused_AndShowsNothing()
    {
        await Page.GotoAsync("/dashboard/");
        await Assertions.Expect(Page.GetByLabel("Admin key")).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("#view")).ToBeHiddenAsync();

        var refused = new List<int>();
        Page.Response += (_, response) =>
        {
            if (response.Url.Contains("/api/", StringComparison.Ordinal))
                refused.Add(response.Status);
        };
        await _browser.SignInAsync("not-a-key");
        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That key was refused.");
        var (_, videosOnly) = await fixture.Server.CreateKeyAsync(Scopes.Videos);
        await _browser.SignInAsync(videosOnly);
        await Assertions.Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("no admin scope");
        await Assertions.Expect(Page.Locator("#view")).ToBeHiddenAsync();
        Assert.Equal([401, 403], refused);
        _browser.ConsoleErrors.RemoveAll(e => e.Contains("401", StringComparison.Ordinal) || e.Contains("403", StringComparison.Ordinal)); // the browser's own note of each refusal
    }

    [Fact]
    public async Task TheList_ShowsEachOwnersJobs_WithTheirStatus()
    {
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var queued = await _alice.PostAsJsonAsync("/api/emails", new { to = $"alice-{Guid.NewGuid():N}@example.com", template = "welcome", model = new { name = "Alice" } });
            ids.Add(await queued.AcceptedIdAsync());
        }

        foreach (var id in ids)
            await fixture.Server.WaitForFinalAsync($"/api/emails/{id}");

        await AsAdminAsync($"#/jobs?owner={Uri.EscapeDataString(_aliceId)}");
        var rows = Page.Locator("#jobs tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Nth(0)).ToHaveAttributeAsync("data-id", ids[1]); // newest first
        await Assertions.Expect(rows.Nth(1)).ToHaveAttributeAsync("data-id", ids[0]);
        await Assertions.Expect(rows.Nth(0).Locator(".status")).ToHaveTextAsync("succeeded");

        await Page.GetByLabel("Status").SelectOptionAsync("failed");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#jobs")).ToHaveTextAsync("No jobs match.");
    }

    [Fact]
    public async Task ARunningEncode_IsFollowedLive_ThenPlays()
    {
        using var upload = await _alice.PostVideoAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(Offload.Testing.Clip.Long)));
        var id = await upload.AcceptedIdAsync();
        await AsAdminAsync($"#/jobs/{id}");

        var progress = Page.Locator("#progress");
        var seen = new SortedSet<int>();
        var entries = new SortedSet<int>();
        for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline; await Task.Delay(150))
        {
            if (int.TryParse(await progress.GetAttributeAsync("value"), out var value))
                seen.Add(value);
            entries.Add(await Page.Locator("#timeline li").CountAsync());
            if (await Page.Locator(".facts .status-succeeded, .facts .status-failed").CountAsync() > 0)
                break;
        }

        await Assertions.Expect(Page.Locator(".facts .status")).ToHaveTextAsync("succeeded");
        Assert.True(seen.Count(v => v is > 0 and < 100) >= 2, $"the bar should move while the encode runs; it showed {string.Join(", ", seen)}");
        await Assertions.Expect(progress).ToHaveAttributeAsync("value", "100");
        entries.Add(await Page.Locator("#timeline li").CountAsync());
        // Watched from the moment the page opened (the job already queued or running): it grew at least once, up to queued, processing, succeeded.
        Assert.True(entries.Count >= 2 && entries.Max >= 3, $"the timeline should grow as the job moves; it had {string.Join(", ", entries)} entries");

        var player = Page.Locator("#player");
        await Assertions.Expect(player).ToBeVisibleAsync();
        Assert.StartsWith("http://127.0.0.1:", await player.GetAttributeAsync("src"));
        Assert.NotNull(await player.GetAttributeAsync("poster"));
        await Page.WaitForFunctionAsync("() => document.getElementById('player').readyState >= 1"); // its metadata loaded through the read link
    }

    [Fact]
    public async Task AFailedJob_IsRetriedFromThePage()
    {
        using var upload = await _alice.PostVideoAsync(System.Text.Encoding.ASCII.GetBytes("RIFF....AVI not a video at all"));
        var id = await upload.AcceptedIdAsync();
        await fixture.Server.WaitForFinalAsync($"/api/videos/{id}");

        await AsAdminAsync($"#/jobs?status=failed&owner={Uri.EscapeDataString(_aliceId)}");
        await Page.Locator($"#jobs tr[data-id='{id}'] a").ClickAsync();
        await Assertions.Expect(Page.Locator("#job-error")).Not.ToBeEmptyAsync();
        var before = await Page.Locator("#timeline li").CountAsync();

        await Page.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();

        await Assertions.Expect(Page.Locator("#timeline li").Filter(new() { HasText = "again" })).ToHaveCountAsync(1);
        await Assertions.Expect(Page.Locator(".facts .status")).ToHaveTextAsync("failed", new() { Timeout = 60_000 });
        Assert.True(await Page.Locator("#timeline li").CountAsync() > before + 1);
        var job = await fixture.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/jobs/{id}");
        Assert.Equal(1, job.GetProperty("retries").GetInt32());
    }

    [Fact]
    public async Task ADeadMessage_IsRequeuedFromThePage()
    {
        var id = await DeadMessages.KillEmailAsync(fixture);
        await DeadMessages.WaitForLetterAsync(fixture, "high-priority", id);

        await AsAdminAsync("#/queues");
        var row = Page.Locator("#queues tr[data-queue='high-priority']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        await row.GetByRole(AriaRole.Link).ClickAsync();
        var letter = Page.Locator($"#dead-letters tr[data-job='{id}']");
        await Assertions.Expect(letter).ToContainTextAsync("Its job is failed");

        await letter.GetByRole(AriaRole.Button, new() { Name = "Requeue" }).ClickAsync();

        await Assertions.Expect(letter).ToHaveCountAsync(0);
        var job = await fixture.Server.WaitForFinalAsync($"/api/emails/{id}");
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        await Page.GotoAsync($"/dashboard/#/jobs/{id}");
        // Its history tells it: failed when the message died, then sent through again from the page (which names why it had failed).
        await Assertions.Expect(Page.Locator("#timeline li").Filter(new() { HasText = "moved to high-priority-poison" })).ToHaveCountAsync(2);
        await Assertions.Expect(Page.Locator("#timeline li").Filter(new() { HasText = "Sent through again" })).ToHaveCountAsync(1);
        await Assertions.Expect(Page.Locator(".facts .status")).ToHaveTextAsync("succeeded");
    }
}
