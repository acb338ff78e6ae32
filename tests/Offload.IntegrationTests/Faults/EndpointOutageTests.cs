using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;
using Xunit.Abstractions;

namespace Offload.IntegrationTests.Faults;

/// <summary>
/// One storage endpoint cut off alone (a TCP proxy in front of it drops every connection and refuses new ones)
/// while the others answer, for longer than the queue listener's trouble point (about 50 s), with messages in flight:
/// the server rides it out in the same process, its listeners never stop, what the API accepted meanwhile is kept,
/// and every job ends within 90 s of the endpoint's return.
/// </summary>
public sealed class EndpointOutageTests(ITestOutputHelper output)
{
    public static TheoryData<string, int> Endpoints => new()
    {
        { "queue", 90 },
        { "table", 60 },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task OneEndpointCutOff_TheServerRidesItOut_AndEveryJobEndsWithin90sOfItsReturn(string endpoint, int outageSeconds)
    {
        await using var azurite = await Azurite.StartAsync();
        await using var proxy = TcpProxy.For(endpoint == "queue" ? azurite.Ports.Queue : azurite.Ports.Table);
        await using var mail = await MailDev.StartAsync();
        var connection = endpoint == "queue" ? azurite.ConnectionStringVia(queuePort: proxy.Port) : azurite.ConnectionStringVia(tablePort: proxy.Port);
        await using var server = await ServerProcess.StartAsync(connection, new Dictionary<string, string>
        {
            ["Email__SmtpPort"] = mail.SmtpPort.ToString(CultureInfo.InvariantCulture),
            ["Encoding__Preset"] = "medium",
            ["Jobs__HeartbeatInterval"] = "00:00:00.500",
            ["Jobs__LeaseDuration"] = "00:00:05", // shorter than the outage: leases run out meanwhile
            ["Jobs__SweepInterval"] = "00:00:02",
            ["Jobs__RedeliverAfter"] = "00:00:10",
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.500",
        });
        var run = Guid.NewGuid().ToString("N");
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Long));
        Task<HttpResponseMessage> PostEmailAsync(int i, string? key = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/emails")
            {
                Content = JsonContent.Create(new { to = $"u{i}-{run}@example.com", template = "welcome", model = new { name = $"U{i}" } }),
            };
            if (key is not null)
                request.Headers.Add("Idempotency-Key", key);
            return server.Http.SendAsync(request);
        }

        // Before: an encode running, emails on their way.
        var jobs = new List<string> { $"/api/videos/{await (await server.Http.PostVideoAsync(clip)).AcceptedIdAsync()}" };
        for (var deadline = DateTime.UtcNow.AddSeconds(60); (await server.Http.GetFromJsonAsync<JsonElement>(jobs[0])).GetProperty("status").GetString() != "processing"; await Task.Delay(100))
            Assert.True(DateTime.UtcNow < deadline, "the encode did not start");
        for (var i = 0; i < 10; i++)
            jobs.Add($"/api/emails/{await (await PostEmailAsync(i)).AcceptedIdAsync()}");

        var retryKey = $"retry-{run}";
        proxy.Cut();
        var cut = Stopwatch.StartNew();
        var emails = 10;
        if (endpoint == "queue")
        {
            // The rows are stored, the messages cannot be sent: accepted all the same (the sweeper sends them later).
            jobs.Add($"/api/videos/{await (await server.Http.PostVideoAsync(clip)).AcceptedIdAsync()}");
            for (; emails < 15; emails++)
                jobs.Add($"/api/emails/{await (await PostEmailAsync(emails)).AcceptedIdAsync()}");
            // A client that never saw its answer repeats the request with its key: the same job.
            var key = $"outage-{run}";
            var firstId = await (await PostEmailAsync(emails, key)).AcceptedIdAsync();
            using var repeated = await PostEmailAsync(emails, key);
            Assert.Equal(firstId, await repeated.AcceptedIdAsync());
            Assert.Equal("true", repeated.Headers.GetValues("Idempotent-Replayed").Single());
            jobs.Add($"/api/emails/{firstId}");
            emails++;
        }
        else
        {
            // Nothing can be stored: the API says so, and what it says is true.
            using var refused = await PostEmailAsync(emails, retryKey);
            var problem = await Api.AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable);
            Assert.Contains("Idempotency-Key", problem.GetProperty("detail").GetString());
        }

        while (cut.Elapsed < TimeSpan.FromSeconds(outageSeconds))
        {
            Assert.False(server.HasExited, $"the server exited during the outage:\n{server.Output.Tail()}");
            await Task.Delay(500);
        }

        proxy.Restore();
        var back = Stopwatch.StartNew();
        if (endpoint == "table")
        {
            // The client that got the 503 repeats its request with its key, twice: exactly one job, one email.
            var id = await (await PostEmailAsync(emails, retryKey)).AcceptedIdAsync();
            Assert.Equal(id, await (await PostEmailAsync(emails, retryKey)).AcceptedIdAsync());
            jobs.Add($"/api/emails/{id}");
            emails++;
        }

        var final = new List<JsonElement>();
        foreach (var statusUrl in jobs)
            final.Add(await server.WaitForFinalAsync(statusUrl, TimeSpan.FromSeconds(90) - back.Elapsed));
        var recovered = back.Elapsed;
        var delivered = await mail.WaitForAsync(e => e.To.EndsWith($"-{run}@example.com", StringComparison.Ordinal), emails, TimeSpan.FromSeconds(30));

        Assert.All(final, job => Assert.Equal("succeeded", job.GetProperty("status").GetString()));
        Assert.True(delivered.Count == emails, $"{delivered.Count} emails for {emails} jobs:\n{server.Output.Tail(120)}");
        Assert.Equal(emails, delivered.Select(e => e.To).Distinct().Count()); // each once
        Assert.False(server.HasExited);
        Assert.False(server.Output.Text.Contains("[5001]", StringComparison.Ordinal), // no listener stopped: they backed off and polled again
            $"a listener stopped:\n{server.Output.Around("[5001]", 40)}");
        var attempts = final.Sum(j => j.GetProperty("attempts").GetInt32());
        output.WriteLine($"{endpoint} cut {outageSeconds} s: {final.Count}/{jobs.Count} jobs succeeded, {delivered.Count} emails once each, {attempts} attempts in all, done {recovered.TotalSeconds:0.0} s after it came back");
        Measurements.Report($"[{endpoint} endpoint cut {outageSeconds} s] {final.Count}/{jobs.Count} jobs succeeded, {delivered.Count}/{emails} emails once each, {attempts} attempts for {final.Count} jobs, all done {recovered.TotalSeconds:0.0} s after its return");
    }
}
