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
/// kill -9 in the middle of an encode (the server and its ffmpeg, as when a machine or container dies), then a new
/// server on the same storage: the job is brought back once the dead worker's lease runs out, not after the queue
/// listener's 10-minute invisibility, and ends succeeded with one output and both attempts in its history. Killed after
/// its run asked the watchdog to watch it (half a lease), the watchdog brings it back; killed sooner, the sweeper.
/// </summary>
public sealed class KillServerTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Encoding__Preset"] = "slower", // ~12 s for the clip: time to kill it midway
        ["Jobs__HeartbeatInterval"] = "00:00:00.500",
        ["Jobs__LeaseDuration"] = "00:00:03",
        ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.500",
        ["Email__SmtpPort"] = "9", // no email in this test
    };

    /// <summary>Watchdog checks on their queue, visible or not yet due.</summary>
    private static async Task<int> WatchdogChecksAsync(Azurite azurite) =>
        (await new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, Offload.Messaging.QueueNames.Watchdog).GetPropertiesAsync()).Value.ApproximateMessagesCount;

    [Fact]
    public async Task KilledMidEncode_TheJobIsTakenUpAgain_AndEndsSucceededWithOneOutput()
    {
        // Only the watchdog may bring it back here: the sweeper (which would too) sweeps every 10 minutes.
        var settings = new Dictionary<string, string>(Settings) { ["Jobs__SweepInterval"] = "00:10:00" };
        await using var azurite = await Azurite.StartAsync();
        var first = await ServerProcess.StartAsync(azurite.ConnectionString, settings);
        string id;
        try
        {
            using var response = await first.Http.PostVideoAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Long)));
            id = await response.AcceptedIdAsync();
            await first.WaitForEncodeUnderwayAsync(id);
            // Half a lease (1.5 s) into its run, the run asks the watchdog to watch it.
            for (var deadline = DateTime.UtcNow.AddSeconds(30); await WatchdogChecksAsync(azurite) == 0; await Task.Delay(100))
                Assert.True(DateTime.UtcNow < deadline, $"the run never asked the watchdog to watch it:\n{first.Output.Tail()}");

            first.Kill();
        }
        finally
        {
            await first.DisposeAsync();
        }

        var clock = Stopwatch.StartNew();
        await using var second = await ServerProcess.StartAsync(azurite.ConnectionString, settings);
        var done = await second.WaitForFinalAsync($"/api/videos/{id}", TimeSpan.FromSeconds(180));
        clock.Stop();

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
        var events = done.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["queued", "processing", "processing", "succeeded"], events.Select(e => e.GetProperty("status").GetString()));
        Assert.Contains("stopped renewing its lease", events[2].GetProperty("reason").GetString());
        var outputs = new List<string>();
        await foreach (var blob in new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(StorageNames.OutputsContainer).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix: id, CancellationToken.None))
            outputs.Add(blob.Name);
        var stored = await DirectStorage.Jobs(azurite.ConnectionString).GetAsync(id, CancellationToken.None);
        Assert.Equal(stored!.ResultBlobs(), outputs.Order(StringComparer.Ordinal)); // the second run's own output and pictures, named in the job
        Assert.Contains("[1030]", second.Output.Text); // the watchdog brought it back
        output.WriteLine($"killed mid-encode; the restarted server finished the job {clock.Elapsed.TotalSeconds:0.0} s after it started (attempts: 2)");
        Measurements.Report($"[kill -9] job succeeded {clock.Elapsed.TotalSeconds:0.0} s after the restart, attempts 2, blobs {outputs.Count} (the output and its pictures)");
    }

    /// <summary>
    /// kill -9 of the worker process alone (not its process tree, as the OOM killer or a crash ends it): the ffmpeg it
    /// started must not go on encoding for nobody, and the restarted worker removes the dead run's work folder. Killed
    /// before its run asked the watchdog to watch it (half a lease: 5 s here), the job is the sweeper's to bring back.
    /// </summary>
    [Fact]
    public async Task KilledAlone_ItsFfmpegStopsWithinSeconds_AndTheRestartRemovesTheLeftoverWorkFolder_AndTheSweeperBringsTheJobBack()
    {
        var workFolder = Directory.CreateTempSubdirectory("offload-kill-work").FullName;
        var settings = new Dictionary<string, string>(Settings)
        {
            ["Encoding__Preset"] = "veryslow", // the encode would run on for many seconds after the kill
            ["Encoding__WorkingDirectory"] = workFolder,
            ["Jobs__LeaseDuration"] = "00:00:10",
            ["Jobs__SweepInterval"] = "00:00:02",
        };
        await using var azurite = await Azurite.StartAsync();
        var first = await ServerProcess.StartAsync(azurite.ConnectionString, settings);
        var orphans = new List<int>();
        try
        {
            string id;
            string deadRunFolder;
            try
            {
                using var response = await first.Http.PostVideoAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Long)));
                id = await response.AcceptedIdAsync();
                for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(100))
                {
                    var job = await first.Http.GetFromJsonAsync<JsonElement>($"/api/videos/{id}");
                    if (job.GetProperty("progress").GetInt32() > 0 && Processes.WorkingOn(id).Any(p => p.ParentPid == first.Pid))
                        break;
                    Assert.True(DateTime.UtcNow < deadline, $"the encode never got going:\n{first.Output.Tail()}");
                }

                deadRunFolder = Assert.Single(Directory.GetDirectories(workFolder, $"{id}-*"));
                await Processes.KillAsync(first.Pid);
                Assert.Equal(0, await WatchdogChecksAsync(azurite)); // killed within half a lease: no check was sent
                for (var deadline = DateTime.UtcNow.AddSeconds(10); !first.HasExited; await Task.Delay(50))
                    Assert.True(DateTime.UtcNow < deadline, "the server outlived kill -9");
            }
            finally
            {
                await first.DisposeAsync();
            }

            var killed = Stopwatch.StartNew();
            while (Processes.WorkingOn(id) is { Count: > 0 } left && killed.Elapsed < TimeSpan.FromSeconds(15))
            {
                orphans = left.Select(p => p.Pid).ToList();
                await Task.Delay(50);
            }

            var ffmpegGone = killed.Elapsed;
            Assert.True(ffmpegGone < TimeSpan.FromSeconds(3), $"the dead worker's ffmpeg still ran {ffmpegGone.TotalSeconds:0.0} s after kill -9");
            orphans.Clear();

            // The restarted worker need not be slow: what is tested of it is the clean-up and the job's end.
            await using var second = await ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string>(settings) { ["Encoding__Preset"] = "ultrafast" });
            for (var deadline = DateTime.UtcNow.AddSeconds(30); Directory.Exists(deadRunFolder); await Task.Delay(100))
                Assert.True(DateTime.UtcNow < deadline, $"the restarted worker left the dead run's folder {deadRunFolder}:\n{second.Output.Tail()}");
            var done = await second.WaitForFinalAsync($"/api/videos/{id}", TimeSpan.FromSeconds(180));

            Assert.Equal("succeeded", done.GetProperty("status").GetString());
            Assert.Equal(2, done.GetProperty("attempts").GetInt32());
            Assert.Contains("[1060]", second.Output.Text); // the sweeper found the dead lease and sent the job's message again
            // The second run's own folder goes as the run ends, just after its success move.
            for (var deadline = DateTime.UtcNow.AddSeconds(10); Directory.GetDirectories(workFolder, $"{id}-*").Length > 0; await Task.Delay(100))
                Assert.True(DateTime.UtcNow < deadline, "the second run left its work folder");
            output.WriteLine($"kill -9 of the server alone: its ffmpeg was gone {ffmpegGone.TotalSeconds:0.00} s later; the restart removed the dead run's folder");
            Measurements.Report($"[kill -9 alone] ffmpeg gone {ffmpegGone.TotalSeconds:0.00} s after the kill, leftover folder removed on restart, job succeeded");
        }
        finally
        {
            foreach (var pid in orphans)
                await Command.ExecAsync("kill", ["-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Directory.Delete(workFolder, recursive: true);
        }
    }
}
