using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.Testing;

namespace Offload.Benchmarks;

/// <summary>
/// Storage operations per job (issue 14): an API-only process and a worker, each through a counting proxy of its own
/// (<see cref="StorageOperationCounter"/>), default settings. Idle for 120 s, then 100 emails, then 3 short videos;
/// each batch is counted until its background effects (watchdog checks, sweeps) are over, and the idle rate of the
/// same span is taken off, so what remains is what the jobs cost.
/// </summary>
public static class StorageOperationsBenchmark
{
    private const int Emails = 100;
    private const int Videos = 3;
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(120);

    // A watchdog check comes due a lease (1 min) and a heartbeat after the claim; the next sweep may follow 15 s later.
    private static readonly TimeSpan Tail = TimeSpan.FromSeconds(80);

    public static async Task RunAsync()
    {
        Console.WriteLine("== ops: storage operations per job, API process + worker process, default settings ==");
        await using var azurite = await Azurite.StartAsync();
        await using var mail = await MailDev.StartAsync();
        await using var apiStorage = StorageOperationCounter.Start(azurite, "api");
        await using var workerStorage = StorageOperationCounter.Start(azurite, "worker");
        var settings = new Dictionary<string, string>
        {
            ["Email__SmtpHost"] = "127.0.0.1",
            ["Email__SmtpPort"] = mail.SmtpPort.ToString(CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        await using var api = await ServerProcess.StartAsync(apiStorage.ConnectionString, new Dictionary<string, string>(settings) { ["Worker__Queues"] = "none" });
        await using var worker = await ServerProcess.StartAsync(workerStorage.ConnectionString, settings);
        var counters = new[] { apiStorage, workerStorage };
        var spans = new Spans();
        await Task.Delay(TimeSpan.FromSeconds(20)); // start-up's creates and first sweeps are not idle traffic

        // (a) idle
        var idleFrom = DateTimeOffset.UtcNow;
        await Task.Delay(Idle);
        var idleTo = DateTimeOffset.UtcNow;
        var idle = new Window("idle", idleFrom, idleTo, idleTo, All(counters, idleFrom, idleTo), spans, 0);
        PrintIdle(idle);

        // (b) emails, 8 at a time, as a client's burst
        var run = Guid.NewGuid().ToString("N")[..8];
        var emailsFrom = DateTimeOffset.UtcNow;
        var next = -1;
        var emailIds = new List<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Emails)
            {
                var started = DateTimeOffset.UtcNow;
                using var response = await api.Http.PostAsJsonAsync("/api/emails", new
                {
                    to = $"user{i}-{run}@example.com", template = "password-reset",
                    model = new { name = $"User {i}", resetLink = $"http://127.0.0.1:7071/reset/{i}" },
                });
                spans.Add(started, DateTimeOffset.UtcNow, "client request");
                response.EnsureSuccessStatusCode();
                var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
                lock (emailIds)
                    emailIds.Add(id);
            }
        }));
        // Delivery is read from the mail catcher, not the API, so no status read of ours lands in the count.
        var delivered = await mail.WaitForAsync(e => e.To.EndsWith($"-{run}@example.com", StringComparison.Ordinal), Emails, TimeSpan.FromMinutes(3));
        var emailsDone = DateTimeOffset.UtcNow;
        Console.WriteLine($"emails: {delivered.Count}/{Emails} delivered {(emailsDone - emailsFrom).TotalSeconds:0.0} s after the first POST; counting the background for {Tail.TotalSeconds:0} s more");
        var emailsTo = await WaitForBackgroundAsync(counters, emailsFrom, emailsDone);
        var emailJobs = await ReadJobsAsync(api.Http, "/api/emails", emailIds);
        var emails = new Window("emails", emailsFrom, emailsDone, emailsTo, All(counters, emailsFrom, emailsTo), spans, Emails);
        Console.WriteLine($"email jobs: {Statuses(emailJobs)}");
        PrintJobs(emails, idle);

        // (c) videos: a short clip each, uploaded in the POST
        var clip = Path.Combine(Path.GetTempPath(), "offload-bench-360p-10s.avi");
        if (!File.Exists(clip))
        {
            await Ffmpeg.RunAsync("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=10",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=10", "-c:v", "mpeg4", "-q:v", "4", "-c:a", "libmp3lame", "-shortest", clip);
        }

        var videosFrom = DateTimeOffset.UtcNow;
        var videoIds = new List<string>();
        for (var i = 0; i < Videos; i++)
        {
            var started = DateTimeOffset.UtcNow;
            await using var file = File.OpenRead(clip);
            using var response = await api.Http.PostAsync("/api/videos", new StreamContent(file) { Headers = { ContentType = new MediaTypeHeaderValue("video/x-msvideo") } });
            spans.Add(started, DateTimeOffset.UtcNow, "client request");
            response.EnsureSuccessStatusCode();
            videoIds.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        // A video's end is seen only through the API: those reads are labelled and kept apart.
        List<JsonElement> videoJobs;
        while (true)
        {
            var started = DateTimeOffset.UtcNow;
            videoJobs = await ReadJobsAsync(api.Http, "/api/videos", videoIds);
            spans.Add(started, DateTimeOffset.UtcNow, "status reads (benchmark)");
            if (videoJobs.All(j => j.GetProperty("status").GetString() is "succeeded" or "failed"))
                break;
            await Task.Delay(1000);
        }

        var videosDone = DateTimeOffset.UtcNow;
        var videosTo = await WaitForBackgroundAsync(counters, videosFrom, videosDone);
        var videos = new Window("videos", videosFrom, videosDone, videosTo, All(counters, videosFrom, videosTo), spans, Videos);
        var encodeSeconds = videoJobs.Sum(j => (j.GetProperty("completedAt").GetDateTimeOffset() - j.GetProperty("startedAt").GetDateTimeOffset()).TotalSeconds);
        Console.WriteLine($"video jobs: {Statuses(videoJobs)}; startedAt -> completedAt {encodeSeconds / Videos:0.0} s each on average " +
                          $"(a heartbeat every 2 s: ~{encodeSeconds / Videos / 2:0.0} expected per video)");
        PrintJobs(videos, idle);

        var path = Path.Combine(Path.GetTempPath(), $"offload-ops-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new
        {
            windows = new[] { idle, emails, videos }.Select(w => new
            {
                w.Name, w.From, w.To, w.Jobs,
                counts = w.Counts().Select(c => new { c.Key.Category, c.Key.Tag, c.Key.Service, c.Key.Resource, c.Key.Kind, Count = c.Value, IdleExpected = idle.RatePerSecond(c.Key) * w.Seconds }),
            }),
            operations = counters.SelectMany(c => c.Operations).OrderBy(o => o.Time),
        }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"raw counts and every operation: {path}");
    }

    private static List<StorageOperation> All(StorageOperationCounter[] counters, DateTimeOffset from, DateTimeOffset to) =>
        counters.SelectMany(c => c.Operations).Where(o => o.Time >= from && o.Time < to).OrderBy(o => o.Time).ToList();

    /// <summary>Until the watchdog checks of the batch have come due and been taken (each put answered by a delete), and a sweep after.</summary>
    private static async Task<DateTimeOffset> WaitForBackgroundAsync(StorageOperationCounter[] counters, DateTimeOffset from, DateTimeOffset done)
    {
        var deadline = done + Tail + TimeSpan.FromMinutes(3);
        while (DateTimeOffset.UtcNow < deadline)
        {
            var now = DateTimeOffset.UtcNow;
            var watchdog = All(counters, from, now).Where(o => o.Resource == "watchdog").ToList();
            var open = watchdog.Count(o => o.Kind == "put message") - watchdog.Count(o => o.Kind == "delete message");
            if (now >= done + Tail && open <= 0)
                return now;
            await Task.Delay(1000);
        }

        Console.WriteLine("  (watchdog checks still open after the wait: counted as they were)");
        return DateTimeOffset.UtcNow;
    }

    private static async Task<List<JsonElement>> ReadJobsAsync(HttpClient http, string route, IEnumerable<string> ids)
    {
        var jobs = new List<JsonElement>();
        foreach (var id in ids)
            jobs.Add(await http.GetFromJsonAsync<JsonElement>($"{route}/{id}"));
        return jobs;
    }

    private static string Statuses(List<JsonElement> jobs) =>
        string.Join(", ", jobs.GroupBy(j => j.GetProperty("status").GetString()).Select(g => $"{g.Count()} {g.Key}"));

    private static void PrintIdle(Window idle)
    {
        Console.WriteLine($"idle: {idle.Seconds:0} s, {idle.Operations.Count} operations; per minute (x1440 = a day):");
        Console.WriteLine("| process | category | service | resource | operation | per minute | per day |");
        Console.WriteLine("|---|---|---|---|---|---:|---:|");
        foreach (var (key, count) in idle.Counts().OrderBy(c => c.Key.Tag).ThenBy(c => c.Key.Service).ThenByDescending(c => c.Value))
        {
            var perMinute = count / idle.Seconds * 60;
            Console.WriteLine($"| {key.Tag} | {key.Category} | {key.Service} | {key.Resource} | {key.Kind} | {perMinute:0.0} | {perMinute * 1440:0} |");
        }

        foreach (var tag in idle.Counts().GroupBy(c => c.Key.Tag))
            Console.WriteLine($"idle total, {tag.Key}: {tag.Sum(c => c.Value) / idle.Seconds * 60:0.0}/min = {tag.Sum(c => c.Value) / idle.Seconds * 86400:0}/day");
    }

    private static void PrintJobs(Window window, Window idle)
    {
        Console.WriteLine($"{window.Name}: {window.Jobs} jobs, {window.Seconds:0} s counted, {window.Operations.Count} operations; " +
                          "'idle' = what the idle rate gives over the same span; per job = (count - idle) / jobs");
        Console.WriteLine("| category | process | service | resource | operation | count | idle | per job |");
        Console.WriteLine("|---|---|---|---|---|---:|---:|---:|");
        var counts = window.Counts();
        foreach (var key in counts.Keys.Union(idle.Counts().Keys).OrderBy(k => k.Category).ThenBy(k => k.Tag).ThenBy(k => k.Service).ThenBy(k => k.Resource).ThenBy(k => k.Kind))
        {
            var count = counts.GetValueOrDefault(key);
            var expected = idle.RatePerSecond(key) * window.Seconds;
            Console.WriteLine($"| {key.Category} | {key.Tag} | {key.Service} | {key.Resource} | {key.Kind} | {count} | {expected:0.0} | {(count - expected) / window.Jobs:0.00} |");
        }

        Console.WriteLine($"{window.Name}, per job by category and service (idle rate taken off):");
        foreach (var category in counts.Keys.Union(idle.Counts().Keys).GroupBy(k => k.Category).OrderBy(g => g.Key))
        {
            var byService = category.GroupBy(k => k.Service).OrderBy(g => g.Key).Select(s =>
                $"{s.Key} {s.Sum(k => counts.GetValueOrDefault(k) - idle.RatePerSecond(k) * window.Seconds) / window.Jobs:0.00}");
            var total = category.Sum(k => counts.GetValueOrDefault(k) - idle.RatePerSecond(k) * window.Seconds) / window.Jobs;
            Console.WriteLine($"  {category.Key,-26} {total,7:0.00}  ({string.Join(", ", byService)})");
        }

        var batched = window.Operations.Where(o => o.Kind == "transaction").ToList();
        var listed = window.Operations.Where(o => o is { Resource: "activejobs", Kind: "query" } || IsActiveListing(o)).Sum(o => o.Entities ?? 0);
        Console.WriteLine($"  table transactions: {batched.Count}, holding {batched.Sum(o => o.BatchOperations)} operations; " +
                          $"the sweeps listed {listed} active rows (the sweeper reads each one's job: those reads are in the jobs rows above)");
    }

    /// <summary>Time spans in which the benchmark itself had a request in flight to the API process, and what for.</summary>
    private sealed class Spans
    {
        private readonly List<(DateTimeOffset From, DateTimeOffset To, string Label)> _spans = [];

        public void Add(DateTimeOffset from, DateTimeOffset to, string label)
        {
            lock (_spans)
                _spans.Add((from, to, label));
        }

        public string? At(DateTimeOffset time)
        {
            lock (_spans)
                return _spans.Where(s => s.From <= time && time <= s.To).Select(s => s.Label).FirstOrDefault();
        }
    }

    private sealed record Key(string Category, string Tag, string Service, string Resource, string Kind);

    /// <summary>A span counted: its jobs ended by <paramref name="Done"/>; what follows until <paramref name="To"/> is their background.</summary>
    private sealed record Window(
        string Name, DateTimeOffset From, DateTimeOffset Done, DateTimeOffset To, List<StorageOperation> Operations, Spans Spans, int Jobs)
    {
        public double Seconds => (To - From).TotalSeconds;

        public Dictionary<Key, int> Counts() =>
            Operations.GroupBy(o => new Key(Category(o, Spans, Done), o.Tag, o.Service, o.Resource, o.Kind)).ToDictionary(g => g.Key, g => g.Count());

        public double RatePerSecond(Key key) => Counts().GetValueOrDefault(key) / Seconds;
    }

    /// <summary>
    /// Who an operation was for. The API process does work only for a request in flight, so the rest of its traffic is
    /// background; the sweeper is told by its lease row and its listings; the watchdog by its queue, and by the time of
    /// what it reads: the worker touches nothing else once the jobs have ended, so its later reads are the checks'.
    /// </summary>
    /// <summary>The sweeper's listing of one shard's unfinished jobs (rows <c>active|…</c> of table jobs: Offload.Jobs.JobRows).</summary>
    private static bool IsActiveListing(StorageOperation op) =>
        op is { Resource: "jobs", Kind: "query" } && (op.Target.Contains("active%7C", StringComparison.OrdinalIgnoreCase) || op.Target.Contains("active|", StringComparison.Ordinal));

    private static string Category(StorageOperation op, Spans spans, DateTimeOffset done) =>
        op is { Kind: "get messages", Messages: 0 } ? "empty polls"
        : op.Resource.StartsWith("watchdog", StringComparison.Ordinal) ? "watchdog"
        : op.Resource == "activejobs" && (op.Kind == "query" || op.Target.Contains("PartitionKey='lock'", StringComparison.Ordinal)
                                          || op.Target.Contains("PartitionKey=%27lock%27", StringComparison.Ordinal)) ? "sweeper"
        : IsActiveListing(op) ? "sweeper"
        : op.Tag == "api" ? spans.At(op.Time) ?? "api background"
        : op.Time > done + TimeSpan.FromSeconds(10) ? "watchdog"
        : "worker";
}
