using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Offload.Testing;
using Offload.Videos;

// Offload's benchmarks, on real parts: Azurite, Offload.Server as its own process, the real ffmpeg.
//   1. Upload memory: how much a 100 MB POST raises a fresh server's peak memory (target <= 64 MB).
//   2. Encode overhead: the pipeline's time from 'processing' to 'succeeded' against the same ffmpeg command run
//      directly, on a 30 s 720p clip (target <= 1.10x).
//   3. Email throughput: emails per second from POST /api/emails to the SMTP server, at the default concurrency.
// Usage: dotnet run -c Release --project tests/Offload.Benchmarks [-- --rounds N]
var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).Select(int.Parse).DefaultIfEmpty(5).First();
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

Console.WriteLine($"Offload benchmarks: {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {rounds} rounds");
await using var azurite = await Azurite.StartAsync();
await using var mail = await MailDev.StartAsync();
await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string>
{
    ["Email__SmtpPort"] = mail.SmtpPort.ToString(CultureInfo.InvariantCulture),
    ["Logging__LogLevel__Default"] = "Warning",
    ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.200",
});
var http = server.Http;

// ---- 1. Upload memory, first, on a fresh server: what a new instance pays for a 100 MB upload ---------
const long UploadBytes = 100_000_000;
await PostAsync(http, new StreamContent(new GeneratedStream(1_000_000))); // warm-up: JIT, connections
var before = PeakMemory(server.Pid);
var uploadWatch = Stopwatch.StartNew();
var status = await PostAsync(http, new StreamContent(new GeneratedStream(UploadBytes)) { Headers = { ContentLength = UploadBytes } });
var seconds = uploadWatch.Elapsed.TotalSeconds;
var after = PeakMemory(server.Pid);
var growthMb = (after - before) / 1048576.0;
Console.WriteLine($"upload: {UploadBytes / 1e6:0} MB POST -> {status} in {seconds:0.00} s ({UploadBytes / 1e6 / seconds:0.0} MB/s); " +
                  $"server peak RSS {before / 1048576.0:0.0} -> {after / 1048576.0:0.0} MB, growth {growthMb:0.0} MB (target <= 64)");

// ---- 2. Encode overhead ---------------------------------------------------------------------------------
var clip = Path.Combine(Path.GetTempPath(), "offload-bench-720p-30s.avi");
if (!File.Exists(clip))
{
    await Ffmpeg.RunAsync("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=30", "-c:v", "mpeg4", "-q:v", "4", "-c:a", "libmp3lame", "-shortest", clip);
}

var encoder = new VideoEncoder(Options.Create(new EncodingOptions()));
var info = await encoder.ProbeAsync(clip, CancellationToken.None) ?? throw new InvalidOperationException("clip did not probe");
var directOutput = Path.Combine(Path.GetTempPath(), "offload-bench-direct.mp4");
var command = encoder.BuildArguments(clip, info, directOutput).Arguments;
Console.WriteLine($"clip: {info.Width}x{info.Height} {info.VideoCodec}, {info.Duration.TotalSeconds:0.0} s, {new FileInfo(clip).Length / 1e6:0.0} MB");
Console.WriteLine($"ffmpeg {command}");

// Warm-up, not counted: the page cache, the server's JIT, the first blob and table writes.
await RunFfmpegAsync(command);
await UploadAndWaitAsync(http, clip);

var pipeline = new List<double>();
var direct = new List<double>();
for (var round = 1; round <= rounds; round++)
{
    var watch = Stopwatch.StartNew();
    await RunFfmpegAsync(command);
    direct.Add(watch.Elapsed.TotalSeconds);

    var job = await UploadAndWaitAsync(http, clip);
    pipeline.Add((job.GetProperty("completedAt").GetDateTimeOffset() - job.GetProperty("startedAt").GetDateTimeOffset()).TotalSeconds);
    Console.WriteLine($"  round {round}: direct {direct[^1]:0.00} s, pipeline {pipeline[^1]:0.00} s");
}

var ratio = Median(pipeline) / Median(direct);
Console.WriteLine($"encode: direct ffmpeg median {Median(direct):0.00} s, pipeline median {Median(pipeline):0.00} s, ratio {ratio:0.000} (target <= 1.10)");

// ---- 3. Email throughput ---------------------------------------------------------------------------------
const int Emails = 300;
await SendEmailsAsync(http, "warmup", 20);
await mail.WaitForAsync(e => e.To.StartsWith("warmup", StringComparison.Ordinal), 20);
var emailWatch = Stopwatch.StartNew();
var postSeconds = await SendEmailsAsync(http, "bench", Emails);
var received = await mail.WaitForAsync(e => e.To.StartsWith("bench", StringComparison.Ordinal), Emails, TimeSpan.FromMinutes(5));
var emailSeconds = emailWatch.Elapsed.TotalSeconds;
var emailRate = received.Count / emailSeconds;
Console.WriteLine($"email: {received.Count}/{Emails} delivered in {emailSeconds:0.00} s = {emailRate:0.0} emails/s " +
                  $"(POSTs, 16 clients, took {postSeconds:0.00} s = {Emails / postSeconds:0} requests/s)");

Console.WriteLine();
Console.WriteLine("| benchmark | result | target |");
Console.WriteLine("|---|---|---|");
Console.WriteLine($"| encode overhead, 30 s 720p (median of {rounds}) | {Median(pipeline):0.00} s vs {Median(direct):0.00} s direct = **{ratio:0.000}x** | <= 1.10x |");
Console.WriteLine($"| 100 MB POST /api/videos, server peak RSS growth | **{growthMb:0.0} MB** ({UploadBytes / 1e6 / seconds:0.0} MB/s) | <= 64 MB |");
Console.WriteLine($"| email throughput, POST -> SMTP, {Emails} emails, default concurrency (32) | **{emailRate:0.0} emails/s** | (measured) |");
return ratio <= 1.10 && growthMb <= 64 && received.Count == Emails ? 0 : 1;

static async Task<double> SendEmailsAsync(HttpClient http, string prefix, int count)
{
    var watch = Stopwatch.StartNew();
    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            using var response = await http.PostAsJsonAsync("/api/emails",
                new { to = $"{prefix}{i}@example.com", template = "welcome", model = new { name = $"User {i}" } });
            response.EnsureSuccessStatusCode();
        }
    }));
    return watch.Elapsed.TotalSeconds;
}

static async Task<JsonElement> UploadAndWaitAsync(HttpClient http, string path)
{
    await using var file = File.OpenRead(path);
    using var response = await http.PostAsync("/api/videos", new StreamContent(file) { Headers = { ContentType = new MediaTypeHeaderValue("video/x-msvideo") } });
    response.EnsureSuccessStatusCode();
    var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
    while (true)
    {
        var job = await http.GetFromJsonAsync<JsonElement>($"/api/videos/{id}");
        var status = job.GetProperty("status").GetString();
        if (status == "succeeded")
            return job;
        if (status == "failed")
            throw new InvalidOperationException($"encode failed: {job.GetProperty("error")}");
        await Task.Delay(100);
    }
}

static async Task<int> PostAsync(HttpClient http, HttpContent content)
{
    content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
    using var response = await http.PostAsync("/api/videos", content);
    return (int)response.StatusCode;
}

static async Task RunFfmpegAsync(string arguments)
{
    using var process = Process.Start(new ProcessStartInfo("ffmpeg", arguments) { RedirectStandardError = true, UseShellExecute = false })!;
    await process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
        throw new InvalidOperationException($"ffmpeg exited with {process.ExitCode}");
}

// VmHWM: the process's peak resident set since it started.
static long PeakMemory(int pid) =>
    File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024).Single();

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
