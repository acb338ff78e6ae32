using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Server;

/// <summary>
/// Offload.Server sending through a mail server that closes idle sessions after 2 s (as real ones do after a
/// minute), with the default Email__SmtpIdleTimeout of 30 s, so the pooled sessions it reuses are ones the server
/// has closed: the email after the quiet spell still goes out on its first attempt.
/// </summary>
public sealed class SmtpIdleEndToEndTests
{
    [Fact]
    public async Task AfterAQuietSpell_TheNextEmail_GoesOutOnItsFirstAttempt()
    {
        await using var smtp = await IdleSmtpServer.StartAsync(TimeSpan.FromSeconds(2));
        await using var azurite = await Azurite.StartAsync();
        await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string>
        {
            ["Email__SmtpPort"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.250",
        });
        async Task<string> PostAsync(string to)
        {
            using var response = await server.Http.PostAsJsonAsync("/api/emails", new { to, template = "welcome", model = new { name = "Ada" } });
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
        }

        // A burst that fills the pool (Email__MaxIdleConnections, 8) while the worker sends up to 32 at once.
        var burst = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => PostAsync($"burst{i}-{Guid.NewGuid():N}@example.com")));
        foreach (var statusUrl in burst)
            Assert.Equal("succeeded", (await server.WaitForFinalAsync(statusUrl, TimeSpan.FromSeconds(60))).GetProperty("status").GetString());
        var sessions = smtp.Events.Count(e => e.Event == "connect");
        var idleClosed = await smtp.WaitForAllSessionsClosedAsync(TimeSpan.FromSeconds(30));
        Assert.NotEmpty(idleClosed); // the pooled ones: the server said 421 and hung up

        var to = $"after-{Guid.NewGuid():N}@example.com";
        var started = DateTimeOffset.UtcNow;
        var job = await server.WaitForFinalAsync(await PostAsync(to), TimeSpan.FromSeconds(60));
        var took = DateTimeOffset.UtcNow - started;

        Assert.Equal(("succeeded", 1), (job.GetProperty("status").GetString(), job.GetProperty("attempts").GetInt32()));
        Assert.Equal(["queued", "processing", "succeeded"],
            job.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("status").GetString()));
        Assert.Single(await smtp.WaitForAsync(e => e.Event == "message" && e.To.Contains(to)));
        Assert.Contains("no attempt spent", server.Output.Text, StringComparison.Ordinal); // it did meet a closed session
        Measurements.Report(
            $"[smtp idle] {burst.Length} emails over {sessions} sessions, {idleClosed.Count} pooled and closed by the server's 2 s idle timeout; "
            + $"the next email: attempt {job.GetProperty("attempts").GetInt32()}, succeeded {took.TotalMilliseconds:0} ms after it was posted");
    }
}
