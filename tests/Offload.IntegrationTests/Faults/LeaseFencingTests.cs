using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Storage;
using Offload.Testing;
using Offload.Videos;
using Xunit.Abstractions;

namespace Offload.IntegrationTests.Faults;

/// <summary>
/// A worker that is alive but cut off from Table Storage cannot renew its lease; once the lease runs out another worker
/// takes the job over. The cut-off worker must have stopped its ffmpeg before that (fencing), and its work, should it
/// ever finish, must never replace the result of the worker that took over.
/// </summary>
public sealed class LeaseFencingTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Encoding__Preset"] = "veryslow", // the encode outlasts the cut by far
        ["Jobs__HeartbeatInterval"] = "00:00:00.500",
        ["Jobs__LeaseDuration"] = "00:00:05",
        ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.500",
        ["Email__SmtpPort"] = "9", // no email in this test
    };

    [Fact]
    public async Task WorkerCutOffFromTheTable_StopsItsFfmpegBeforeAnotherWorkerTakesTheJob_AndNeverWritesTheResult()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var table = TcpProxy.For(azurite.Ports.Table);
        // A serves encodes only (one at a time), its table through the proxy; B, started once A holds the job, is direct.
        await using var a = await ServerProcess.StartAsync(
            azurite.ConnectionStringVia(tablePort: table.Port), new Dictionary<string, string>(Settings) { ["Worker__Queues"] = "heavy-compute" });
        var jobs = DirectStorage.Jobs(azurite.ConnectionString);

        using var response = await a.Http.PostVideoAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Long)));
        var id = await response.AcceptedIdAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(60); !Processes.WorkingOn(id).Any(p => p.ParentPid == a.Pid); await Task.Delay(100))
            Assert.True(DateTime.UtcNow < deadline, $"A never started ffmpeg:\n{a.Output.Tail()}");
        var runOfA = (await jobs.GetAsync(id, CancellationToken.None))!.LeaseOwner!;
        await using var b = await ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string>(Settings) { ["Encoding__Preset"] = "ultrafast" });

        table.Cut();
        var cut = DateTimeOffset.UtcNow;
        DateTimeOffset? ffmpegOfAGone = null;
        Job? taken = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(90); taken is null; await Task.Delay(100))
        {
            if (ffmpegOfAGone is null && !Processes.WorkingOn(id).Any(p => p.ParentPid == a.Pid))
                ffmpegOfAGone = DateTimeOffset.UtcNow;
            if (await jobs.GetAsync(id, CancellationToken.None) is { Attempts: 2, Status: JobStatus.Processing } job)
                taken = job;
            Assert.True(DateTime.UtcNow < deadline, $"B never took the job over.\nA:\n{a.Output.Tail()}\nB:\n{b.Output.Tail()}");
        }

        var history = await jobs.GetHistoryAsync(id, CancellationToken.None);
        var claimOfB = history.Last(e => e.Status == JobStatus.Processing && e.Attempt == 2).At;
        Assert.True(ffmpegOfAGone is not null, $"A's ffmpeg still ran when B took the job over.\nA:\n{a.Output.Tail()}");
        Assert.True(ffmpegOfAGone < claimOfB, $"A's ffmpeg stopped at {ffmpegOfAGone:HH:mm:ss.fff}, after B's claim at {claimOfB:HH:mm:ss.fff}");
        Assert.Contains("could not renew the lease for", a.Output.Text);
        Assert.Contains("stopped so that another worker may take the job", a.Output.Text);

        // Storage comes back for A: its hand-back finds the job taken and leaves it alone.
        table.Restore();
        var done = await b.WaitForFinalAsync($"/api/videos/{id}", TimeSpan.FromSeconds(240));

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
        var final = (await jobs.GetAsync(id, CancellationToken.None))!;
        var outputs = new List<(string Name, DateTimeOffset Written)>();
        await foreach (var blob in new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(StorageNames.OutputsContainer)
            .GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix: id, CancellationToken.None))
            outputs.Add((blob.Name, blob.Properties.LastModified!.Value));
        // The output and its pictures, B's own, and nothing of A's run.
        Assert.Equal(final.ResultBlobs(), outputs.Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Equal(StorageNames.OutputBlobName(id, taken.LeaseOwner!), final.VideoOutput().BlobName);
        Assert.DoesNotContain(outputs, o => o.Name.StartsWith($"{id}/{runOfA}", StringComparison.Ordinal));
        Assert.All(outputs, o => Assert.True(o.Written <= final.CompletedAt, "the result was written after the job succeeded"));
        Assert.DoesNotContain(history, e => e.Status == JobStatus.Succeeded && e.Attempt == 1);

        var stopLead = claimOfB - ffmpegOfAGone.Value;
        output.WriteLine($"table cut at {cut:HH:mm:ss.fff}; A's ffmpeg gone {(ffmpegOfAGone.Value - cut).TotalSeconds:0.0} s later, " +
                         $"{stopLead.TotalSeconds:0.0} s before B's claim; one output (and its pictures), B's");
        Measurements.Report($"[fencing] lease 5 s: A stopped ffmpeg {(ffmpegOfAGone.Value - cut).TotalSeconds:0.0} s after the table cut, " +
                            $"{stopLead.TotalSeconds:0.0} s before B took the job over; job succeeded with B's output only");
    }
}
