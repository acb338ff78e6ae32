using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;
using Xunit.Abstractions;

namespace Offload.IntegrationTests.Faults;

/// <summary>
/// A graceful shutdown (a deploy, a scale-in) in the middle of an encode: the stopping server hands the job back
/// within its shutdown window, the attempt not counted, and the next server runs it from the start.
/// </summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Encoding__Preset"] = "slower", // long enough to stop the server midway
        ["Jobs__HeartbeatInterval"] = "00:00:00.500",
        ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.500",
        ["Email__SmtpPort"] = "9", // no email in this test
    };

    [Fact]
    public async Task SigtermMidEncode_HandsTheJobBack_WithoutUsingUpAnAttempt_AndHistoryShowsTheShutdown()
    {
        await using var azurite = await Azurite.StartAsync();
        string id;
        TimeSpan stopped;
        await using (var first = await ServerProcess.StartAsync(azurite.ConnectionString, Settings))
        {
            using var response = await first.Http.PostVideoAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Long)));
            id = await response.AcceptedIdAsync();
            await first.WaitForEncodeUnderwayAsync(id);

            var clock = Stopwatch.StartNew();
            var exitCode = await first.StopAsync(TimeSpan.FromSeconds(30)); // the host's shutdown window
            stopped = clock.Elapsed;
            Assert.True(exitCode == 0, $"exit code {exitCode}:\n{first.Output.Tail()}");
            Assert.Contains("[1023]", first.Output.Text); // handed back
        }

        // Between the two servers: handed back, the attempt not counted.
        await using var second = await ServerProcess.StartAsync(azurite.ConnectionString, Settings);
        var done = await second.WaitForFinalAsync($"/api/videos/{id}", TimeSpan.FromSeconds(120));

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        var events = done.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["queued", "processing", "retrying", "processing", "succeeded"], events.Select(e => e.GetProperty("status").GetString()));
        Assert.Contains("shut down during attempt 1", events[2].GetProperty("reason").GetString());
        Assert.Contains("does not count", events[2].GetProperty("reason").GetString());
        Assert.Equal(1, events[3].GetProperty("attempt").GetInt32());
        output.WriteLine($"SIGTERM mid-encode: the server exited {stopped.TotalSeconds:0.0} s later, the job handed back; the next server finished it on attempt 1");
        Measurements.Report($"[graceful shutdown] server exited {stopped.TotalSeconds:0.0} s after SIGTERM mid-encode; job succeeded on the next server, attempts 1");
    }
}
