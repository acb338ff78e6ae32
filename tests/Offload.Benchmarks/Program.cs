using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Offload.Benchmarks;
using Offload.Testing;
using Offload.Videos;

// Offload's benchmarks, on real parts: Azurite, Offload.Server as its own process, the real ffmpeg.
//   1. Upload memory: how much a 100 MB POST raises a fresh server's peak memory (target <= 64 MB).
//   2. Encode overhead: the pipeline's time from 'processing' to 'succeeded' against the same ffmpeg command run
//      directly, on a 30 s 720p clip (target <= 1.05x).
//   3. Email throughput: emails per second from POST /api/emails to the SMTP server, at the default concurrency.
//   4. Direct upload: 1 GiB through Offload's SAS with the Azure Storage SDK vs the same SDK upload with the account key
//      (target ratio >= 0.9).
//   5. A 2 GiB source through the encoder: the worker's peak memory (target < 300 MB).
// Run on their own, by name (--only ops,latency), as they take minutes of mostly waiting:
//   ops: storage operations per email and per video, by process and kind, and the idle polls (StorageOperations.cs).
//   latency: email latency behind 1080p encodes, default polling (EmailLatency.cs); --trace prints the slowest
//   emails' timelines from the server's spans; --storage one,per-service (the default: both, one after the other)
//   chooses one Azurite process or a process per service; --polling shipped,00:00:00.500 (the default: shipped) runs
//   it with each queue's own polling, or with every listener polling at most that far apart, one after the other;
//   --vary Encoding__Niceness=10,19 runs it at each value of one server setting, one after the other.
//   cpu: CPU time per email, by process (EmailCpu.cs), then Azurite's CPU per request of each kind (AzuriteCost.cs).
//   split: a long 1080p video on one worker pinned to one core, then on two (SplitSpeed.cs), and the split output's
//   fidelity against a single pass; --minutes N (default 10) sets the source's length (~40 min at 10).
// Usage: dotnet run -c Release --project tests/Offload.Benchmarks [-- --rounds N] [-- --only ops,latency]
var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).Select(int.Parse).DefaultIfEmpty(7).First();
var only = args.SkipWhile(a => a != "--only").Skip(1).Take(1).SelectMany(a => a.Split(',')).ToHashSet(StringComparer.OrdinalIgnoreCase);
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (only.Count > 0)
{
    Console.WriteLine($"Offload benchmarks ({string.Join(", ", only)}): {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    if (only.Contains("ops"))
        await StorageOperationsBenchmark.RunAsync();
    if (only.Contains("cpu"))
    {
        await EmailCpuBenchmark.RunAsync();
        await AzuriteCostBenchmark.RunAsync();
    }
    if (only.Contains("split"))
        await SplitSpeedBenchmark.RunAsync(ListArgument("--minutes")?.Select(int.Parse).FirstOrDefault() ?? 10);
    if (only.Contains("latency"))
        await EmailLatencyBenchmark.RunAsync(trace: args.Contains("--trace"),
            storages: ListArgument("--storage"), pollings: ListArgument("--polling"),
            vary: args.SkipWhile(a => a != "--vary").Skip(1).FirstOrDefault());
    return 0;
}

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

// The direct leg does the ffmpeg work a job does: the encode command, then the pictures from the output's keyframes
// (VideoEncoder.MakePicturesAsync: one ffmpeg, then the sprite's), after the probe of the output the job makes too.
async Task<(double Encode, double Pictures)> DirectAsync()
{
    var watch = Stopwatch.StartNew();
    await RunFfmpegAsync(command);
    var encoded = watch.Elapsed.TotalSeconds;
    var folder = Directory.CreateTempSubdirectory("offload-bench-pictures").FullName;
    await encoder.MakePicturesAsync(directOutput, info, (await encoder.ProbeAsync(directOutput, CancellationToken.None))!, folder, CancellationToken.None);
    Directory.Delete(folder, recursive: true);
    return (encoded, watch.Elapsed.TotalSeconds - encoded);
}

// Warm-up, not counted: the page cache, the server's JIT, the first blob and table writes.
await DirectAsync();
await UploadAndWaitAsync(http, clip);

var pipeline = new List<double>();
var direct = new List<double>();
var pictures = new List<double>();
for (var round = 1; round <= rounds; round++)
{
    var (encodeOnly, picturesSeconds) = await DirectAsync();
    direct.Add(encodeOnly + picturesSeconds);
    pictures.Add(picturesSeconds);

    var job = await UploadAndWaitAsync(http, clip);
    pipeline.Add((job.GetProperty("completedAt").GetDateTimeOffset() - job.GetProperty("startedAt").GetDateTimeOffset()).TotalSeconds);
    Console.WriteLine($"  round {round}: direct {direct[^1]:0.00} s (of which pictures {pictures[^1]:0.00} s), pipeline {pipeline[^1]:0.00} s");
}

var ratio = Median(pipeline) / Median(direct);
Console.WriteLine($"encode: direct ffmpeg median {Median(direct):0.00} s (pictures {Median(pictures):0.00} s, " +
                  $"{Median(pictures) / (Median(direct) - Median(pictures)) * 100:0.0} % of the encode), pipeline median {Median(pipeline):0.00} s, ratio {ratio:0.000} (target <= 1.05)");

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

// ---- 4. Direct upload through the SAS vs straight to storage -------------------------------------------------
const long OneGiB = 1L << 30;
var transfer = new Azure.Storage.StorageTransferOptions { InitialTransferSize = 8 << 20, MaximumTransferSize = 8 << 20, MaximumConcurrency = 8 };
var keyContainer = new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("uploads");
var viaKey = new List<double>();
var viaSasTimes = new List<double>();
for (var round = 0; round < 3; round++)
{
    // Alternate, and delete after each run, so Azurite (in memory) is in the same state for both.
    var keyBlob = keyContainer.GetBlobClient($"bench-direct-{Guid.NewGuid():N}");
    viaKey.Add(await TimeUploadAsync(keyBlob, OneGiB, transfer));
    await keyBlob.DeleteAsync();
    var (sasId, sasUrl) = await CreateUploadAsync(http, OneGiB);
    viaSasTimes.Add(await TimeUploadAsync(new Azure.Storage.Blobs.BlobClient(sasUrl), OneGiB, transfer));
    await keyContainer.GetBlobClient(sasId).DeleteAsync();
}

var directSeconds = Median(viaKey);
var viaSas = Median(viaSasTimes);
var sasRatio = directSeconds / viaSas;
Console.WriteLine($"direct upload, 1 GiB x 3: with the account key {string.Join(" / ", viaKey.Select(t => t.ToString("0.00")))} s, " +
                  $"through Offload's SAS {string.Join(" / ", viaSasTimes.Select(t => t.ToString("0.00")))} s; " +
                  $"median {OneGiB / 1048576.0 / viaSas:0} MiB/s, throughput ratio {sasRatio:0.00} (target >= 0.9)");

// ---- 5. A 2 GiB source through the encoder ----------------------------------------------------------------
var big = Path.Combine(Path.GetTempPath(), "offload-bench-2gib.nut");
if (!File.Exists(big) || new FileInfo(big).Length < 2 * OneGiB)
{
    // Raw 320x240 frames: 2 GiB of source that a single core encodes in seconds.
    await Ffmpeg.RunAsync("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=630",
        "-c:v", "rawvideo", "-pix_fmt", "yuv420p", big);
}

var bigSize = new FileInfo(big).Length;
var (bigId, bigUrl) = await CreateUploadAsync(http, bigSize);
await using (var file = File.OpenRead(big))
    await new Azure.Storage.Blobs.BlobClient(bigUrl).UploadAsync(file, new Azure.Storage.Blobs.Models.BlobUploadOptions { TransferOptions = transfer });
var peakBefore = PeakMemory(server.Pid);
var encodeWatch = Stopwatch.StartNew();
using (var submit = await http.PostAsync($"/api/videos/{bigId}/submit", null))
    submit.EnsureSuccessStatusCode();
var bigJob = await WaitAsync(http, bigId);
var encodeSeconds = encodeWatch.Elapsed.TotalSeconds;
var peakAfter = PeakMemory(server.Pid);
Console.WriteLine($"2 GiB source ({bigSize / 1e9:0.00} GB, {bigJob.GetProperty("output").GetProperty("durationSeconds").GetDouble():0} s of video) " +
                  $"submitted -> succeeded in {encodeSeconds:0.0} s; worker peak RSS {peakBefore / 1048576.0:0} MB before, " +
                  $"{peakAfter / 1048576.0:0} MB after (target < 300 MB)");

Console.WriteLine();
Console.WriteLine("| benchmark | result | target |");
Console.WriteLine("|---|---|---|");
Console.WriteLine($"| encode overhead, 30 s 720p (median of {rounds}) | {Median(pipeline):0.00} s vs {Median(direct):0.00} s direct = **{ratio:0.000}x** | <= 1.05x |");
Console.WriteLine($"| 100 MB POST /api/videos, server peak RSS growth | **{growthMb:0.0} MB** ({UploadBytes / 1e6 / seconds:0.0} MB/s) | <= 64 MB |");
Console.WriteLine($"| email throughput, POST -> SMTP, {Emails} emails, default concurrency (32) | **{emailRate:0.0} emails/s** | (measured) |");
Console.WriteLine($"| 1 GiB direct upload through Offload's SAS vs the SDK with the account key | **{sasRatio:0.00}** ({viaSas:0.0} s vs {directSeconds:0.0} s) | >= 0.9 |");
Console.WriteLine($"| 2 GiB source through the encoder, worker peak RSS | **{peakAfter / 1048576.0:0} MB** | < 300 MB |");
return ratio <= 1.05 && growthMb <= 64 && received.Count == Emails && sasRatio >= 0.9 && peakAfter < 300L * 1048576 ? 0 : 1;

static async Task<double> TimeUploadAsync(Azure.Storage.Blobs.BlobClient blob, long bytes, Azure.Storage.StorageTransferOptions transfer)
{
    var watch = Stopwatch.StartNew();
    await blob.UploadAsync(new GeneratedStream(bytes), new Azure.Storage.Blobs.Models.BlobUploadOptions { TransferOptions = transfer });
    return watch.Elapsed.TotalSeconds;
}

static async Task<(string Id, Uri Url)> CreateUploadAsync(HttpClient http, long size)
{
    using var response = await http.PostAsJsonAsync("/api/uploads", new { fileName = "bench.nut", contentType = "video/x-nut", sizeBytes = size });
    response.EnsureSuccessStatusCode();
    var upload = await response.Content.ReadFromJsonAsync<JsonElement>();
    return (upload.GetProperty("id").GetString()!, new Uri(upload.GetProperty("uploadUrl").GetString()!));
}

static async Task<JsonElement> WaitAsync(HttpClient http, string id)
{
    while (true)
    {
        var job = await http.GetFromJsonAsync<JsonElement>($"/api/videos/{id}");
        var status = job.GetProperty("status").GetString();
        if (status == "succeeded")
            return job;
        if (status == "failed")
            throw new InvalidOperationException($"job failed: {job.GetProperty("error")}");
        await Task.Delay(250);
    }
}

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
    var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    return await WaitAsync(http, id);
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

List<string>? ListArgument(string name) =>
    args.SkipWhile(a => a != name).Skip(1).Take(1).SelectMany(a => a.Split(',')).ToList() is { Count: > 0 } list ? list : null;
