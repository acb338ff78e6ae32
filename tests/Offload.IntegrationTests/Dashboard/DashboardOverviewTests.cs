using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Dashboard;

/// <summary>
/// The overview on a server of its own (so its counts are this test's jobs alone): the jobs of the hour by status and
/// kind, the throughput chart, the queues and the worker alive, in Chromium and in the JSON behind it.
/// </summary>
public sealed class DashboardOverviewTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private DashboardBrowser _browser = null!;

    public async Task InitializeAsync() => _browser = await DashboardBrowser.StartAsync(fixture.Server.BaseAddress);

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _browser.AssertNothingAmiss();
    }

    [Fact]
    public async Task TheOverview_CountsTheJobsThisTestMade_AndShowsTheWorkerAlive()
    {
        var emails = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var queued = await fixture.Http.PostAsJsonAsync("/api/emails", new { to = $"ada-{Guid.NewGuid():N}@example.com", template = "welcome", model = new { name = "Ada" } });
            emails.Add(await queued.AcceptedIdAsync());
        }

        using var upload = await fixture.Http.PostVideoAsync(System.Text.Encoding.ASCII.GetBytes("RIFF....AVI not a video at all"));
        var video = await upload.AcceptedIdAsync();
        foreach (var id in emails)
            await fixture.Server.WaitForFinalAsync($"/api/emails/{id}");
        await fixture.Server.WaitForFinalAsync($"/api/videos/{video}");
        await Task.Delay(OverviewFreshness); // past what an earlier look kept

        var overview = await fixture.Http.GetFromJsonAsync<JsonElement>("/api/overview");
        var hour = overview.GetProperty("lastHour");
        Assert.Equal(4, hour.GetProperty("total").GetInt32());
        Assert.Equal((3, 1), (hour.GetProperty("byStatus").GetProperty("succeeded").GetInt32(), hour.GetProperty("byStatus").GetProperty("failed").GetInt32()));
        Assert.Equal((3, 1), (hour.GetProperty("byKind").GetProperty("email").GetInt32(), hour.GetProperty("byKind").GetProperty("video").GetInt32()));
        var minutes = overview.GetProperty("throughput").EnumerateArray().ToList();
        Assert.Equal(60, minutes.Count);
        Assert.Equal((3, 1), (minutes.Sum(m => m.GetProperty("succeeded").GetInt32()), minutes.Sum(m => m.GetProperty("failed").GetInt32())));
        var worker = Assert.Single(overview.GetProperty("workers").EnumerateArray());
        Assert.EndsWith($"/{fixture.Server.Pid}", worker.GetProperty("name").GetString());

        await _browser.SignInAsync(ServerProcess.AdminKey, "#/");
        var page = _browser.Page;
        await Assertions.Expect(page.Locator("#hour-total")).ToHaveTextAsync("4");
        await Assertions.Expect(page.Locator("#hour-statuses [data-status='succeeded'] .count")).ToHaveTextAsync("3");
        await Assertions.Expect(page.Locator("#hour-statuses [data-status='failed'] .count")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#hour-statuses [data-status='queued']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".card tr[data-kind='email'] td[data-status='succeeded']").First).ToHaveTextAsync("3");
        await Assertions.Expect(page.Locator("#chart-title")).ToHaveTextAsync("Jobs ended per minute over the last hour: 3 succeeded, 1 failed");
        await Assertions.Expect(page.Locator("#throughput rect")).Not.ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#queues tr")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("#workers li")).ToContainTextAsync("serves heavy-compute, high-priority, webhooks");

        // A status is a way into the list of those jobs.
        await page.Locator("#hour-statuses [data-status='failed'] a").ClickAsync();
        await Assertions.Expect(page.Locator($"#jobs tr[data-id='{video}']")).ToBeVisibleAsync();
    }

    private static readonly TimeSpan OverviewFreshness = Offload.Dashboard.OverviewApi.Fresh;
}
