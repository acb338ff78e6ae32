using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Storage;
using Offload.Testing;
using Offload.Videos;
using Offload.Videos.Splitting;

namespace Offload.IntegrationTests.Server;

/// <summary>
/// A long video split across two workers, as a user runs it: a server (API and every queue) and a second worker
/// process serving heavy-compute only, on the same Azurite, with the split set low
/// (<c>Encoding__SplitAbove=00:00:20 Encoding__PartDuration=00:00:10</c>) so a 40 s clip makes four parts and its audio.
/// The parts read their range of the source by link, run on both workers, and the stitch is checked and plays in
/// Chromium; a worker killed mid-part costs that part alone an attempt; a cancel stops every part.
/// </summary>
public sealed class SplitEndToEndTests
{
    private static Dictionary<string, string> Settings(string preset = "veryfast", string splitAbove = "00:00:20", string part = "00:00:10") => new()
    {
        ["Encoding__SplitAbove"] = splitAbove,
        ["Encoding__PartDuration"] = part,
        ["Encoding__Preset"] = preset,
        ["Jobs__HeartbeatInterval"] = "00:00:00.500",
        ["Jobs__LeaseDuration"] = "00:00:03",
        ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.500",
        ["Email__SmtpPort"] = "9", // no email in these tests
    };

    private static async Task<List<(string Status, string Reason)>> HistoryAsync(JsonElement job) =>
        await Task.FromResult(job.GetProperty("events").EnumerateArray()
            .Select(e => (e.GetProperty("status").GetString()!, e.GetProperty("reason").GetString()!)).ToList());

    [Fact]
    public async Task ALongVideo_IsSplitAcrossTwoWorkers_StitchedAndChecked_AndPlaysInChromium()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, Settings());
        await using var worker = await ServerProcess.StartAsync(azurite.ConnectionString, Settings(), true, "--queues", "heavy-compute");

        var source = await TestClips.PathOf(Clip.Splittable); // 40 s, 25 fps, keyframes every second, MP3 audio, in AVI
        using var response = await server.Http.PostVideoAsync(await File.ReadAllBytesAsync(source));
        var id = await response.AcceptedIdAsync();
        var job = await server.WaitForFinalAsync($"/api/videos/{id}", TimeSpan.FromMinutes(4));

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(100, job.GetProperty("progress").GetInt32());
        Assert.Equal((5, 5), (job.GetProperty("split").GetProperty("parts").GetInt32(), job.GetProperty("split").GetProperty("succeeded").GetInt32()));
        var history = await HistoryAsync(job);
        Assert.Contains(history, e => e.Status == "waiting" && e.Reason.StartsWith("Split into 4 parts of about 10 s at keyframes (1000 frames), and the audio as a part of its own", StringComparison.Ordinal));
        Assert.Equal(5, history.Count(e => e.Status == "waiting" && e.Reason.Contains(" succeeded in ", StringComparison.Ordinal)));
        Assert.Contains(history, e => e.Reason.EndsWith("Every part has succeeded: the next stage is queued.", StringComparison.Ordinal));
        Assert.EndsWith("Stitched from 4 parts and the audio; 1000 frames, as the source.", history[^1].Reason);
        // Where each part ran is in the history: on both workers.
        Assert.Contains(history, e => e.Reason.Contains($"/{server.Pid} (", StringComparison.Ordinal));
        Assert.Contains(history, e => e.Reason.Contains($"/{worker.Pid} (", StringComparison.Ordinal));

        // The output: every frame of the source, and its audio with no gap.
        using var output = await server.Http.GetAsync($"/api/videos/{id}/output");
        Assert.Equal(HttpStatusCode.Redirect, output.StatusCode);
        var path = Path.Combine(Path.GetTempPath(), $"offload-split-{Guid.NewGuid():N}.mp4");
        await File.WriteAllBytesAsync(path, await new HttpClient().GetByteArrayAsync(output.Headers.Location));
        var encoder = new VideoEncoder(Microsoft.Extensions.Options.Options.Create(new EncodingOptions()));
        Assert.Equal(1000, (await encoder.ProbePacketsAsync(path, "v", CancellationToken.None)).Count);
        var audio = (await encoder.ProbePacketsAsync(path, "a", CancellationToken.None)).OrderBy(p => p.Time).ToList();
        Assert.InRange(audio[^1].Time + audio[^1].Duration - audio[0].Time, 39.9, 40.1);
        Assert.All(audio.Zip(audio.Skip(1)), p => Assert.InRange(p.Second.Time - (p.First.Time + p.First.Duration), -0.001, 0.001));
        File.Delete(path);

        var played = await Chromium.TryPlayAsync(new Dictionary<string, string> { ["output"] = output.Headers.Location!.AbsoluteUri });
        Assert.Matches(@"^decoded 320x240 (39\.9\d|40\.0\d) s", played.GetValueOrDefault("output"));

        // The parts are not the API's: not found as videos; their encodes are deleted once the video is stitched.
        var stored = (await DirectStorage.Jobs(azurite.ConnectionString).GetAsync(id, CancellationToken.None))!;
        var partId = JobParts.IdOf(id, stored.PartsKey!, 0);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync($"/api/videos/{partId}")).StatusCode);
        var outputs = new BlobContainerClient(azurite.ConnectionString, StorageNames.OutputsContainer);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(200))
        {
            var left = new List<string>();
            await foreach (var blob in outputs.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, StorageNames.PartsPrefix(id), CancellationToken.None))
                left.Add(blob.Name);
            if (left.Count == 0)
                break;
            Assert.True(DateTime.UtcNow < deadline, $"the parts' encodes were left: {string.Join(", ", left)}");
        }
    }

    [Fact]
    public async Task AWorkerKilledMidPart_CostsThatPartAloneAnAttempt_AndTheVideoSucceeds()
    {
        await using var azurite = await Azurite.StartAsync();
        var jobs = DirectStorage.Jobs(azurite.ConnectionString);
        await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, Settings("veryslow"));
        var worker = await ServerProcess.StartAsync(azurite.ConnectionString, Settings("veryslow"), true, "--queues", "heavy-compute");
        string id;
        string killed;
        try
        {
            using var response = await server.Http.PostVideoAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Splittable)));
            id = await response.AcceptedIdAsync();
            // The moment the second worker is encoding a part, with progress: kill -9, its ffmpeg with it.
            killed = await WaitForAsync(async () =>
            {
                if (await jobs.GetAsync(id, CancellationToken.None) is not { PartsKey: { } key, PartCount: var count })
                    return null;
                foreach (var partId in Enumerable.Range(0, count).Select(i => JobParts.IdOf(id, key, i)))
                {
                    if (await jobs.GetAsync(partId, CancellationToken.None) is { Status: JobStatus.Processing, Progress: > 0, Kind: VideoPartJobs.PartKind } part
                        && part.Worker?.EndsWith($"/{worker.Pid}", StringComparison.Ordinal) == true)
                        return part.Id;
                }

                return null;
            }, TimeSpan.FromMinutes(2), () => worker.Output.Tail());
            worker.Kill();
        }
        finally
        {
            await worker.DisposeAsync();
        }

        var job = await server.WaitForFinalAsync($"/api/videos/{id}", TimeSpan.FromMinutes(4));
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var stored = (await jobs.GetAsync(id, CancellationToken.None))!;
        var parts = await Task.WhenAll(Enumerable.Range(0, stored.PartCount).Select(i => jobs.GetAsync(JobParts.IdOf(id, stored.PartsKey!, i), CancellationToken.None)));
        Assert.All(parts, p => Assert.Equal(JobStatus.Succeeded, p!.Status));
        Assert.Equal(2, parts.Single(p => p!.Id == killed)!.Attempts); // taken up again once its lease ran out
        Assert.All(parts.Where(p => p!.Id != killed), p => Assert.Equal(1, p!.Attempts)); // the others ran once
        Assert.EndsWith("Stitched from 4 parts and the audio; 1000 frames, as the source.", (await HistoryAsync(job))[^1].Reason);
    }

    [Fact]
    public async Task CancellingASplitVideo_StopsEveryPart()
    {
        await using var azurite = await Azurite.StartAsync();
        var jobs = DirectStorage.Jobs(azurite.ConnectionString);
        await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, Settings("veryslow"));
        await using var worker = await ServerProcess.StartAsync(azurite.ConnectionString, Settings("veryslow"), true, "--queues", "heavy-compute");
        using var response = await server.Http.PostVideoAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Splittable)));
        var id = await response.AcceptedIdAsync();
        await WaitForAsync(async () => (await server.Http.GetFromJsonAsync<JsonElement>($"/api/videos/{id}")) is var v
            && v.GetProperty("status").GetString() == "waiting" && v.GetProperty("progress").GetInt32() > 0 ? "underway" : null,
            TimeSpan.FromMinutes(2), () => server.Output.Tail());

        using var cancel = await server.Http.DeleteAsync($"/api/videos/{id}");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);

        var stored = (await jobs.GetAsync(id, CancellationToken.None))!;
        Assert.Equal(JobStatus.Cancelled, stored.Status);
        await WaitForAsync(async () =>
        {
            var parts = await Task.WhenAll(Enumerable.Range(0, stored.PartCount).Select(i => jobs.GetAsync(JobParts.IdOf(id, stored.PartsKey!, i), CancellationToken.None)));
            return parts.All(p => p!.Status == JobStatus.Cancelled) ? "all cancelled" : null;
        }, TimeSpan.FromSeconds(30), () => server.Output.Tail() + worker.Output.Tail());
        // No ffmpeg is left encoding a part: each run saw the cancel at a heartbeat and stopped.
        await WaitForAsync(async () => (await Command.ExecAsync("pgrep", ["-f", $"ffmpeg.*/{id}"])).ExitCode != 0 ? "none" : null, TimeSpan.FromSeconds(10), () => "ffmpeg still runs");
    }

    private static async Task<string> WaitForAsync(Func<Task<string?>> probe, TimeSpan timeout, Func<string> log)
    {
        for (var deadline = DateTime.UtcNow + timeout; ; await Task.Delay(200))
        {
            if (await probe() is { } found)
                return found;
            Assert.True(DateTime.UtcNow < deadline, $"timed out:\n{log()}");
        }
    }
}
