using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;
using Xunit.Abstractions;

namespace Offload.IntegrationTests.Faults;

/// <summary>
/// Storage goes away under a running server for two minutes (Azurite stopped in the middle of an encode, emails in
/// flight) and comes back with its data:
/// the server answers 503 meanwhile, recovers by itself (same process), and every job ends within 90 s of its return.
/// </summary>
public sealed class StorageOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task AzuriteStoppedAndRestarted_TheServerRecoversByItself_AndEveryJobEnds()
    {
        var location = Directory.CreateTempSubdirectory("offload-azurite-data").FullName;
        var azurite = await Azurite.StartAsync(location, (ServerProcess.FreePort(), ServerProcess.FreePort(), ServerProcess.FreePort()));
        await using var mail = await MailDev.StartAsync();
        try
        {
            await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string>
            {
                ["Email__SmtpPort"] = mail.SmtpPort.ToString(CultureInfo.InvariantCulture),
                ["Encoding__Preset"] = "medium",
                ["Jobs__HeartbeatInterval"] = "00:00:00.500",
                ["Jobs__LeaseDuration"] = "00:00:05", // shorter than the outage: leases run out while workers wait for storage
                ["Jobs__SweepInterval"] = "00:00:02",
                ["Jobs__RedeliverAfter"] = "00:00:10",
                ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.500",
            });
            var run = Guid.NewGuid().ToString("N");
            var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Long));
            Task<HttpResponseMessage> PostVideoAsync() => server.Http.PostVideoAsync(clip);

            Task<HttpResponseMessage> PostEmailAsync(int i) =>
                server.Http.PostAsJsonAsync("/api/emails", new { to = $"u{i}-{run}@example.com", template = "welcome", model = new { name = $"U{i}" } });

            static async Task<string> StatusUrlAsync(HttpResponseMessage response)
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
            }

            // Before: a video encoding, ten emails sent.
            var jobs = new List<string> { await StatusUrlAsync(await PostVideoAsync()) };
            for (var deadline = DateTime.UtcNow.AddSeconds(60); (await server.Http.GetFromJsonAsync<JsonElement>(jobs[0])).GetProperty("status").GetString() != "processing"; await Task.Delay(100))
                Assert.True(DateTime.UtcNow < deadline, "the encode did not start");
            for (var i = 0; i < 10; i++)
                jobs.Add(await StatusUrlAsync(await PostEmailAsync(i)));

            // The outage: storage gone for a while, the server says so and stores nothing.
            await azurite.StopAsync();
            var outage = System.Diagnostics.Stopwatch.StartNew();
            for (var deadline = DateTime.UtcNow.AddSeconds(30); (await server.Http.GetAsync("/api/health")).StatusCode != HttpStatusCode.ServiceUnavailable; await Task.Delay(200))
                Assert.True(DateTime.UtcNow < deadline, "health never noticed the outage");
            await Api.AssertProblemAsync(await PostVideoAsync(), HttpStatusCode.ServiceUnavailable);
            await Api.AssertProblemAsync(await PostEmailAsync(99), HttpStatusCode.ServiceUnavailable);
            // Two minutes: well past the point (about 50 s) where the queue listener's own calls give up.
            while (outage.Elapsed < Outage)
            {
                Assert.False(server.HasExited, $"the server exited during the outage:\n{server.Output.Tail()}");
                await Task.Delay(500);
            }

            // Back, with its data: the same server process recovers.
            azurite = await azurite.RestartAsync();
            var outageEnded = DateTime.UtcNow;
            for (var deadline = DateTime.UtcNow.AddSeconds(60); (await server.Http.GetAsync("/api/health")).StatusCode != HttpStatusCode.OK; await Task.Delay(200))
                Assert.True(DateTime.UtcNow < deadline, $"the server did not recover:\n{server.Output.Tail()}");
            jobs.Add(await StatusUrlAsync(await PostVideoAsync()));
            for (var i = 10; i < 20; i++)
                jobs.Add(await StatusUrlAsync(await PostEmailAsync(i)));

            var final = new List<JsonElement>();
            foreach (var statusUrl in jobs)
                final.Add(await server.WaitForFinalAsync(statusUrl, TimeSpan.FromSeconds(90) - (DateTime.UtcNow - outageEnded)));
            var recovered = DateTime.UtcNow - outageEnded;
            var delivered = await mail.WaitForAsync(e => e.To.EndsWith($"-{run}@example.com", StringComparison.Ordinal), 20, TimeSpan.FromSeconds(30));

            Assert.All(final, job => Assert.Equal("succeeded", job.GetProperty("status").GetString()));
            Assert.True(delivered.Count == 20, $"{delivered.Count} emails for 20 jobs:\n{server.Output.Tail(120)}");
            Assert.Equal(20, delivered.Select(e => e.To).Distinct().Count()); // each once
            Assert.Null(await Record.ExceptionAsync(() => Task.FromResult(System.Diagnostics.Process.GetProcessById(server.Pid)))); // same process throughout
            Assert.DoesNotContain("[5001]", server.Output.Text); // no listener stopped: they backed off and polled again
            output.WriteLine($"every job ended succeeded ({final.Count}); {delivered.Count} emails, each once; all done {recovered.TotalSeconds:0.0} s after storage came back");
            Measurements.Report($"[storage down {Outage.TotalSeconds:0} s] {final.Count}/{jobs.Count} jobs succeeded, {delivered.Count}/20 emails once each, done {recovered.TotalSeconds:0.0} s after storage returned");
        }
        finally
        {
            await azurite.DisposeAsync();
            Directory.Delete(location, recursive: true);
        }
    }
}
