using System.Net.Http.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Dashboard;

/// <summary>
/// The pictures of the dashboard in the README and docs/, taken on a server of its own with a few jobs of each kind:
/// on every run into a folder of the test's (so a page that no longer renders fails here), and into docs/images with
/// <c>OFFLOAD_UPDATE_SCREENSHOTS=1 ./test.sh --filter DashboardScreenshots</c>. Each page is also checked by axe-core
/// (WCAG 2.1 A and AA: contrast, labels, names, structure), on a laptop's screen and a phone's.
/// </summary>
public sealed class DashboardScreenshots(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string Folder = Environment.GetEnvironmentVariable("OFFLOAD_UPDATE_SCREENSHOTS") == "1"
        ? Path.Combine(Repo.Root, "docs", "images")
        : Path.Combine(Path.GetTempPath(), "offload-screenshots", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task TheOverviewAJobAndTheList_AsAPersonSeesThem()
    {
        var http = fixture.Http;
        var ids = new List<string>();
        foreach (var name in new[] { "Ada", "Grace", "Edsger", "Barbara" })
        {
            using var queued = await http.PostAsJsonAsync("/api/emails", new { to = $"{name.ToLowerInvariant()}@example.com", template = "welcome", model = new { name } });
            ids.Add(await queued.AcceptedIdAsync());
        }

        using (var bad = await http.PostVideoAsync(System.Text.Encoding.ASCII.GetBytes("RIFF....AVI not a video at all")))
            ids.Add(await bad.AcceptedIdAsync());
        using var upload = await http.PostVideoAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(Offload.Testing.Clip.WithAudio)));
        var video = await upload.AcceptedIdAsync();
        foreach (var id in ids)
            await fixture.Server.WaitForFinalAsync(id == ids[^1] ? $"/api/videos/{id}" : $"/api/emails/{id}");
        await fixture.Server.WaitForFinalAsync($"/api/videos/{video}");
        await Task.Delay(Offload.Dashboard.OverviewApi.Fresh);

        Directory.CreateDirectory(Folder);
        await using var desk = await DashboardBrowser.StartAsync(fixture.Server.BaseAddress, 1280, 860);
        await desk.SignInAsync(ServerProcess.AdminKey, "#/");
        await Assertions.Expect(desk.Page.Locator("#hour-total")).ToHaveTextAsync("6");
        await ShotAsync(desk.Page, "dashboard-overview.png");
        await AssertAccessibleAsync(desk.Page, "the overview");

        await desk.Page.GotoAsync($"/dashboard/#/jobs/{video}");
        await Assertions.Expect(desk.Page.Locator("#player")).ToBeVisibleAsync();
        await desk.Page.WaitForFunctionAsync("() => document.getElementById('player').readyState >= 2"); // its first frame, behind the poster
        await ShotAsync(desk.Page, "dashboard-job.png");
        await AssertAccessibleAsync(desk.Page, "a job");

        await desk.Page.GotoAsync("/dashboard/#/jobs");
        await Assertions.Expect(desk.Page.Locator("#jobs tr")).ToHaveCountAsync(6);
        await ShotAsync(desk.Page, "dashboard-jobs.png");
        await AssertAccessibleAsync(desk.Page, "the jobs");

        await desk.Page.GotoAsync("/dashboard/#/queues/high-priority");
        await Assertions.Expect(desk.Page.Locator("#dead-letters")).ToBeVisibleAsync();
        await AssertAccessibleAsync(desk.Page, "the dead letters");
        await desk.Page.GotoAsync("/dashboard/#/queues");
        await Assertions.Expect(desk.Page.Locator("#queues tr")).ToHaveCountAsync(4);
        await AssertAccessibleAsync(desk.Page, "the queues");
        await desk.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await AssertAccessibleAsync(desk.Page, "signing in");

        await using var phone = await DashboardBrowser.StartAsync(fixture.Server.BaseAddress, 390, 844);
        await phone.SignInAsync(ServerProcess.AdminKey, "#/");
        await Assertions.Expect(phone.Page.Locator("#hour-total")).ToHaveTextAsync("6");
        await ShotAsync(phone.Page, "dashboard-overview-phone.png", fullPage: false);
        await AssertAccessibleAsync(phone.Page, "the overview on a phone");

        Assert.Empty(desk.ConsoleErrors.Concat(phone.ConsoleErrors));
    }

    /// <summary>No violation of WCAG 2.1 A or AA that axe-core can find, whatever its impact.</summary>
    private static async Task AssertAccessibleAsync(IPage page, string what)
    {
        var result = await page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
        Assert.True(result.Violations.Length == 0, $"{what}: " + string.Join("; ", result.Violations.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Target?.ToString()))}")));
        Assert.Contains(result.Passes, p => p.Id == "color-contrast" || p.Id == "label"); // it did look
    }

    private static async Task ShotAsync(IPage page, string name, bool fullPage = true)
    {
        var path = Path.Combine(Folder, name);
        await page.ScreenshotAsync(new() { Path = path, FullPage = fullPage, Animations = ScreenshotAnimations.Disabled });
        Assert.True(new FileInfo(path).Length > 10_000, $"{name} is nearly empty");
    }
}
