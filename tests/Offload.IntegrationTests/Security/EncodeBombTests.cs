using System.Diagnostics;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Security;

/// <summary>
/// The encode bomb of the security issue, as an attacker sends it: 14 MB that hold three hours of black 1080p60,
/// posted to the real server process over HTTP, with the server's default limits.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class EncodeBombTests(ServerFixture fixture)
{
    [Fact]
    public async Task ThreeHoursOfBlack1080p60_FailsWithinSecondsOfProcessing_NamingTheDurationLimit()
    {
        var making = Stopwatch.StartNew();
        var bomb = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.ThreeHoursOfBlack));
        making.Stop();

        using var response = await fixture.Http.PostVideoAsync(bomb);
        var id = await response.AcceptedIdAsync();
        var job = await fixture.Server.WaitForFinalAsync($"/api/videos/{id}");

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("The video is 3:00:00 long; the limit is 2:00:00 (Encoding:MaxDuration).", job.GetProperty("error").GetString());
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        var events = job.GetProperty("events").EnumerateArray()
            .Select(e => (Status: e.GetProperty("status").GetString(), At: e.GetProperty("at").GetDateTimeOffset())).ToList();
        Assert.Equal(["queued", "processing", "failed"], events.Select(e => e.Status));
        // Download, probe and refusal; an encode of it would hold the instance for the whole 90-minute time limit.
        var refusedAfter = events[2].At - events[1].At;
        Measurements.Report(
            $"[encode bomb] {bomb.Length / 1048576.0:0.0} MB, 3 h of 1080p60 black: failed {refusedAfter.TotalSeconds:0.00} s after processing " +
            $"(clip made or read in {making.Elapsed.TotalSeconds:0.0} s)");
        Assert.True(refusedAfter < TimeSpan.FromSeconds(10), $"failed {refusedAfter.TotalSeconds:0.0} s after processing");
    }
}
