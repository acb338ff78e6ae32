using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;
using Xunit.Abstractions;

namespace Offload.IntegrationTests.Faults;

/// <summary>
/// The mail server is down (its port refuses connections), then comes back: the email goes out once, after backoff.
/// Down for longer than every attempt, the email job ends failed with the reason.
/// </summary>
public sealed class SmtpOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task MailServerDown_ThenBack_DeliversOnceAfterBackoff_AndDownForGood_FailsWithTheReason()
    {
        var smtpPort = ServerProcess.FreePort(); // nothing listens there yet
        await using var azurite = await Azurite.StartAsync();
        await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string>
        {
            ["Email__SmtpPort"] = smtpPort.ToString(CultureInfo.InvariantCulture),
            ["Email__MaxAttempts"] = "10",
            ["Email__RetryBaseDelay"] = "00:00:00.250", // 0.25 s, 0.5 s, 1 s, 2 s, 4 s, then 5 s (±20 %): time to bring the server back, even on a busy machine
            ["Email__RetryMaxDelay"] = "00:00:05",
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.250",
        });
        async Task<string> PostAsync(string to)
        {
            using var response = await server.Http.PostAsJsonAsync("/api/emails", new { to, template = "welcome", model = new { name = "Ada" } });
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
        }

        // Down for longer than all ten attempts.
        var lost = await server.WaitForFinalAsync(await PostAsync("never@example.com"), TimeSpan.FromSeconds(60));
        Assert.Equal(("failed", 10), (lost.GetProperty("status").GetString(), lost.GetProperty("attempts").GetInt32()));
        Assert.Equal("Gave up after 10 attempts: The mail server could not be reached.", lost.GetProperty("error").GetString());
        Assert.Equal(9, lost.GetProperty("events").EnumerateArray().Count(e => e.GetProperty("status").GetString() == "retrying"));

        // Down for the first attempts only.
        var to = $"patient-{Guid.NewGuid():N}@example.com";
        var statusUrl = await PostAsync(to);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(50))
        {
            var job = await server.Http.GetFromJsonAsync<JsonElement>(statusUrl);
            if (job.GetProperty("attempts").GetInt32() >= 2 && job.GetProperty("status").GetString() == "retrying")
                break;
            Assert.True(DateTime.UtcNow < deadline, $"no second attempt:\n{server.Output.Tail()}");
        }

        await using var mail = await MailDev.StartAsync(smtpPort);
        var sent = await server.WaitForFinalAsync(statusUrl, TimeSpan.FromSeconds(60));

        Assert.Equal("succeeded", sent.GetProperty("status").GetString());
        var attempts = sent.GetProperty("attempts").GetInt32();
        Assert.InRange(attempts, 3, 10);
        var reasons = sent.GetProperty("events").EnumerateArray()
            .Where(e => e.GetProperty("status").GetString() == "retrying").Select(e => e.GetProperty("reason").GetString()!).ToList();
        Assert.Equal(attempts - 1, reasons.Count);
        Assert.All(reasons, r => Assert.Contains("could not be reached", r));
        await Task.Delay(1000);
        Assert.Single(await mail.ReceivedAsync(), e => e.To == to);
        var took = sent.GetProperty("completedAt").GetDateTimeOffset() - sent.GetProperty("createdAt").GetDateTimeOffset();
        output.WriteLine($"delivered on attempt {attempts}, {took.TotalSeconds:0.0} s after it was queued");
        Measurements.Report($"[smtp outage] delivered once on attempt {attempts} after {took.TotalSeconds:0.0} s; the other email failed after 10 attempts");
    }
}
