using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Testing;
using Offload.Videos;

namespace Offload.Benchmarks;

/// <summary>
/// Split encoding across workers (issue 12): a generated 1080p source with audio (10 minutes by default), on one
/// storage, encoded by one worker process pinned to one core (<c>taskset -c 0</c>), then by two workers pinned to a
/// core each, in one run; both with the shipped split settings (parts of about a minute). Prints the wall time from
/// <c>processing</c> to <c>succeeded</c>, its ratio, and the split's own costs from the jobs' rows: the plan (download,
/// probe, every frame's time), the parts (each one's encode), the stitch (download the parts, join, check, pictures,
/// upload). Then the fidelity of the two-worker output against a single-pass encode of the same source (ffmpeg on
/// both cores): frames, durations, SSIM overall and within five frames of each cut, and the largest A/V offset.
/// </summary>
public static class SplitSpeedBenchmark
{
    public static async Task RunAsync(int minutes)
    {
        Console.WriteLine($"== split: {minutes} min of 1080p30 with audio; one worker on one core, then two workers on a core each ==");
        var source = Path.Combine(Path.GetTempPath(), $"offload-bench-1080p-{minutes}min.mp4");
        if (!File.Exists(source))
        {
            // H.264 (ultrafast, a keyframe every 2 s) keeps 10 minutes of 1080p small enough to upload in one request.
            var seconds = (minutes * 60).ToString(CultureInfo.InvariantCulture);
            await Ffmpeg.RunAsync("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size=1920x1080:rate=30:duration={seconds}",
                "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=48000:duration={seconds}", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30",
                "-g", "60", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", source);
        }

        Console.WriteLine($"source: {new FileInfo(source).Length / 1e6:0.0} MB");
        await using var azurite = await Azurite.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["Email__SmtpPort"] = "9",
            ["Videos__MaxUploadBytes"] = (4L * 1024 * 1024 * 1024).ToString(CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        // The API (and the sweeper) in a process of its own, on no core of its own: it only takes the upload.
        await using var api = await ServerProcess.StartAsync(azurite.ConnectionString, settings, true, "--queues", "none");
        var jobs = StoredJobs.Open(azurite.ConnectionString);

        var one = await EncodeAsync(api, jobs, azurite, settings, source, ["0"]);
        var two = await EncodeAsync(api, jobs, azurite, settings, source, ["0", "1"]);
        Console.WriteLine($"split: one worker {one.Wall.TotalSeconds:0.0} s, two workers {two.Wall.TotalSeconds:0.0} s, ratio {two.Wall / one.Wall:0.000} (target <= 0.6)");
        foreach (var (name, run) in new[] { ("one worker", one), ("two workers", two) })
        {
            Console.WriteLine($"  {name}: plan {run.Plan.TotalSeconds:0.0} s, parts {run.Parts.Count} (encode {Sum(run.Parts):0.0} s in all, " +
                              $"{run.Parts.Min().TotalSeconds:0.0}-{run.Parts.Max().TotalSeconds:0.0} s each), audio {run.Audio.TotalSeconds:0.0} s, " +
                              $"waiting {run.Waiting.TotalSeconds:0.0} s, stitch {run.Stitch.TotalSeconds:0.0} s; overhead (plan + stitch) " +
                              $"{(run.Plan + run.Stitch).TotalSeconds:0.0} s = {(run.Plan + run.Stitch) / (Sum(run.Parts) is var p and > 0 ? TimeSpan.FromSeconds(p) : TimeSpan.MaxValue) * 100:0.0} % of the parts' encode");
        }

        await FidelityAsync(source, two.Output, two.Cuts);
    }

    private sealed record Run(TimeSpan Wall, TimeSpan Plan, List<TimeSpan> Parts, TimeSpan Audio, TimeSpan Waiting, TimeSpan Stitch, string Output, List<int> Cuts);

    private static double Sum(List<TimeSpan> spans) => spans.Sum(s => s.TotalSeconds);

    private static async Task<Run> EncodeAsync(ServerProcess api, JobStore jobs, Azurite azurite, Dictionary<string, string> settings, string source, string[] cores)
    {
        var workers = new List<ServerProcess>();
        try
        {
            foreach (var core in cores)
                workers.Add(await ServerProcess.StartPinnedAsync(core, azurite.ConnectionString, settings, "--queues", "heavy-compute"));
            await using var file = File.OpenRead(source);
            using var response = await api.Http.PostAsync("/api/videos", new StreamContent(file) { Headers = { ContentType = new MediaTypeHeaderValue("video/mp4") } });
            response.EnsureSuccessStatusCode();
            var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            JsonElement job;
            while ((job = await api.Http.GetFromJsonAsync<JsonElement>($"/api/videos/{id}")).GetProperty("status").GetString() is not ("succeeded" or "failed"))
                await Task.Delay(1000);
            if (job.GetProperty("status").GetString() != "succeeded")
                throw new InvalidOperationException($"the video failed: {job.GetProperty("error").GetString()}\n{workers[0].Output.Tail()}");

            var events = job.GetProperty("events").EnumerateArray().Select(e => (At: e.GetProperty("at").GetDateTimeOffset(), Status: e.GetProperty("status").GetString()!)).ToList();
            var started = events.First(e => e.Status == "processing").At;
            var waiting = events.First(e => e.Status == "waiting").At;
            var stitching = events.Last(e => e.Status == "processing").At;
            var ended = events[^1].At;
            var stored = (await jobs.GetAsync(id, CancellationToken.None))!;
            var parts = await Task.WhenAll(Enumerable.Range(0, stored.PartCount).Select(i => jobs.GetAsync(JobParts.IdOf(id, stored.PartsKey!, i), CancellationToken.None)));
            TimeSpan Took(Job p) => (p.CompletedAt ?? p.UpdatedAt) - (p.StartedAt ?? p.CreatedAt);
            var video = parts.Where(p => p!.Kind == Offload.Videos.Splitting.VideoPartJobs.PartKind).Select(p => p!).OrderBy(p => p.PartIndex).ToList();
            var audio = parts.SingleOrDefault(p => p!.Kind == Offload.Videos.Splitting.VideoPartJobs.AudioKind);
            var cuts = video.Select(p => p.PayloadAs<Offload.Videos.Splitting.VideoPartPayload>()!.Part.FirstFrame).ToList();

            using var link = await api.Http.GetAsync($"/api/videos/{id}/output");
            var output = Path.Combine(Path.GetTempPath(), $"offload-bench-split-{cores.Length}.mp4");
            await using (var stream = await new HttpClient().GetStreamAsync(link.Headers.Location))
            await using (var target = File.Create(output))
                await stream.CopyToAsync(target);

            Console.WriteLine($"  {cores.Length} worker(s): {ended - started:g} from processing to succeeded, {video.Count} parts on " +
                              string.Join(", ", video.GroupBy(p => p.Worker).Select(g => $"{g.Key}: {g.Count()}")));
            return new Run(ended - started, waiting - started, [.. video.Select(Took)], audio is null ? TimeSpan.Zero : Took(audio), stitching - waiting, ended - stitching, output, cuts);
        }
        finally
        {
            foreach (var worker in workers)
                await worker.DisposeAsync();
        }
    }

    /// <summary>The split output against a single pass of the same source, with the same settings, on both cores.</summary>
    private static async Task FidelityAsync(string source, string split, List<int> cuts)
    {
        var encoder = new VideoEncoder(Options.Create(new EncodingOptions()));
        var info = (await encoder.ProbeAsync(source, CancellationToken.None))!;
        var single = Path.Combine(Path.GetTempPath(), "offload-bench-single.mp4");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await encoder.EncodeAsync(source, info, single, _ => { }, CancellationToken.None);
        Console.WriteLine($"single pass on both cores: {watch.Elapsed.TotalSeconds:0.0} s");

        async Task<(int Frames, double Video, double Audio, double Offset)> FactsAsync(string path)
        {
            var v = (await encoder.ProbePacketsAsync(path, "v", CancellationToken.None)).OrderBy(p => p.Time).ToList();
            var a = (await encoder.ProbePacketsAsync(path, "a", CancellationToken.None)).OrderBy(p => p.Time).ToList();
            return (v.Count, v[^1].Time + v[^1].Duration - v[0].Time, a[^1].Time + a[^1].Duration - a[0].Time, Math.Abs(a[0].Time - v[0].Time));
        }

        var (splitFrames, splitVideo, splitAudio, splitOffset) = await FactsAsync(split);
        var (singleFrames, singleVideo, singleAudio, singleOffset) = await FactsAsync(single);
        Console.WriteLine($"fidelity: frames split {splitFrames}, single {singleFrames}; video {splitVideo:0.000} s / {singleVideo:0.000} s; " +
                          $"audio {splitAudio:0.000} s / {singleAudio:0.000} s; A/V start offset {splitOffset * 1000:0.0} ms / {singleOffset * 1000:0.0} ms; " +
                          $"largest A/V end offset {Math.Abs(splitAudio - splitVideo) * 1000:0} ms / {Math.Abs(singleAudio - singleVideo) * 1000:0} ms");

        var (overall, perFrame) = await Ffmpeg.SsimAsync(split, single, Path.GetTempPath());
        var near = cuts.Skip(1).SelectMany(c => Enumerable.Range(c - 5, 11)).Where(i => i >= 0 && i < perFrame.Count).Select(i => perFrame[i]).ToList();
        Console.WriteLine($"fidelity: SSIM overall {overall:0.0000}, lowest {perFrame.Min():0.0000}; within 5 frames of the {cuts.Count - 1} cuts: " +
                          $"mean {near.Average():0.0000}, lowest {near.Min():0.0000} (target >= 0.99 overall)");
    }
}
