using Microsoft.Playwright;
using Offload.Testing;

namespace Offload.IntegrationTests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright (its own browser download cannot work here, and is never asked for), with a
/// page that records what a person would not see: console errors, failed requests and every URL the page asked for.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    public IBrowserContext Context { get; }
    public IPage Page { get; }
    public List<string> ConsoleErrors { get; } = [];
    public List<string> Requests { get; } = [];

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page)
    {
        (_playwright, _browser, Context, Page) = (playwright, browser, context, page);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
                ConsoleErrors.Add(message.Text);
        };
        page.PageError += (_, error) => ConsoleErrors.Add(error);
        page.Request += (_, request) => Requests.Add(request.Url);
        page.Dialog += (_, dialog) => dialog.AcceptAsync(); // the confirmations: a person who clicked means it
    }

    public static async Task<DashboardBrowser> StartAsync(Uri baseAddress, int width = 1280, int height = 900)
    {
        // The driver runs on the machine's Node.js (the package brings none for Linux).
        Environment.SetEnvironmentVariable("PLAYWRIGHT_NODEJS_PATH", Environment.GetEnvironmentVariable("PLAYWRIGHT_NODEJS_PATH") ?? NodeOnPath());
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium.Executable,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new() { BaseURL = baseAddress.AbsoluteUri, ViewportSize = new() { Width = width, Height = height } });
        return new DashboardBrowser(playwright, browser, context, await context.NewPageAsync());
    }

    /// <summary>Opens the dashboard and signs in with <paramref name="key"/>.</summary>
    public async Task SignInAsync(string key, string hash = "#/jobs")
    {
        await Page.GotoAsync($"/dashboard/{hash}");
        await Page.GetByLabel("Admin key").FillAsync(key);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>What every browser test holds the page to: no console error, and no request to anywhere but 127.0.0.1.</summary>
    public void AssertNothingAmiss()
    {
        Assert.True(ConsoleErrors.Count == 0, "console errors:\n" + string.Join('\n', ConsoleErrors));
        Assert.All(Requests, url => Assert.Equal("127.0.0.1", new Uri(url).Host));
    }

    private static string NodeOnPath() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(folder => Path.Combine(folder, "node")).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Node.js is not on PATH: ./test.sh installs it with the npm tools.");

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
