using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.Testing;

namespace Offload.Benchmarks;

/// <summary>
/// Email latency behind encodes (issue 14), measured as the starvation test measures it (completedAt - createdAt of
/// each email job, i.e. POST to the SMTP server's acceptance) but on one server with the settings as shipped: each
/// queue's polling as queues.json declares it, not the test fixture's 0.5 s for every listener. After a warm-up that is not counted, one short video and one burst of 50 emails
/// (a new process compiles its code paths and opens its SMTP sessions on its first jobs, as the encode benchmark's warm-up
/// round), each round queues
/// 4 long 1080p encodes, waits for one to run, posts 50 emails at once, and checks that encodes were still waiting when
/// the last email succeeded.
/// </summary>
public static class EmailLatencyBenchmark
{
    private const int Rounds = 4;
    private const int EmailsPerRound = 50;
    private const int EncodesPerRound = 4;

    // A quiet spell before each round, so the email listener has backed off to its longest poll as it would in production.
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(30);

    /// <param name="trace">
    /// Also export the server's spans (OTLP, to a receiver here) and print the timeline of each round's three slowest
    /// emails: the request and its storage calls, the polls of high-priority meanwhile, the run and its calls. Exporting
    /// costs the server some CPU, so numbers taken with it are not the benchmark's.
    /// </param>
    /// <param name="storages">
    /// The emulators to run it against, one after the other in the same run: <c>one</c>, one Azurite process serving
    /// blob, queue and table on its one thread (as the tests run it), and <c>per-service</c>, a process each (as Azure runs
    /// them: an encode's blob transfers and the emails' queue and table calls do not wait on one another).
    /// </param>
    /// <param name="pollings">
    /// The listeners' polling to run it with, one after the other in the same run: <c>shipped</c>, each queue's own
    /// (queues.json), or a <c>maxPollingInterval</c> for every listener of the server (<c>00:00:00.500</c>), as
    /// <c>AzureFunctionsJobHost__extensions__queues__maxPollingInterval</c> sets it.
    /// </param>
    /// <param name="vary">
    /// One server setting to run it with at each of its values, one after the other in the same run
    /// (<c>Encoding__Niceness=10,19</c>): <c>shipped</c> leaves the setting as shipped.
    /// </param>
    public static async Task RunAsync(bool trace = false, IReadOnlyList<string>? storages = null, IReadOnlyList<string>? pollings = null, string? vary = null)
    {
        storages ??= ["one", "per-service"];
        pollings ??= ["shipped"];
        var (setting, values) = vary?.Split('=', 2) is [var name, var list] ? (name, list.Split(',')) : ("", new[] { "shipped" });
        var results = new List<(string Variant, string Line)>();
        foreach (var value in values)
        foreach (var polling in pollings)
        {
            if (polling != "shipped" && !TimeSpan.TryParse(polling, CultureInfo.InvariantCulture, out _))
                throw new ArgumentException($"--polling takes 'shipped' or a TimeSpan (00:00:00.250), not '{polling}'.", nameof(pollings));
            var extra = value == "shipped" ? [] : new Dictionary<string, string> { [setting] = value };
            foreach (var storage in storages)
            {
                var all = await RunAsync(trace, polling == "shipped" ? null : polling, extra, perService: storage switch
                {
                    "one" => false,
                    "per-service" => true,
                    _ => throw new ArgumentException($"--storage takes 'one' or 'per-service', not '{storage}'.", nameof(storages)),
                });
                results.Add(($"Azurite {storage}, polling {polling}{(setting.Length > 0 ? $", {setting}={value}" : "")}", Percentiles(all)));
            }
        }

        Console.WriteLine("latency, all rounds: " + string.Join("; ", results.Select(r => $"{r.Variant}: {r.Line}")));
    }

    private static async Task<List<double>> RunAsync(bool trace, string? polling, Dictionary<string, string> extra, bool perService)
    {
        Console.WriteLine($"== latency: 50 emails behind 1080p encodes, one server, {(polling is null ? "shipped polling" : $"every listener polling at most {polling} apart")}, " +
                          $"{(perService ? "an Azurite per service" : "one Azurite")}{(trace ? ", traced" : "")}{string.Concat(extra.Select(e => $", {e.Key}={e.Value}"))} ==");
        var clip = Path.Combine(Path.GetTempPath(), "offload-bench-1080p-60s.avi");
        if (!File.Exists(clip))
        {
            // 60 s of 1080p: about 40 s of libx264 veryfast on 2 cores, and 82 MB, under the 100 MiB upload limit.
            await Ffmpeg.RunAsync("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=60",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=60", "-c:v", "mpeg4", "-q:v", "8", "-c:a", "libmp3lame", "-shortest", clip);
        }

        await using var azurite = await Azurite.StartAsync(perService: perService);
        await using var mail = await MailDev.StartAsync();
        await using var otlp = trace ? OtlpReceiver.Start() : null;
        var settings = new Dictionary<string, string>
        {
            ["Email__SmtpHost"] = "127.0.0.1",
            ["Email__SmtpPort"] = mail.SmtpPort.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in otlp?.Settings("offload-bench") ?? [])
            settings[name] = value;
        if (polling is not null)
            settings["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = polling;
        foreach (var (name, value) in extra)
            settings[name] = value;
        await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, settings);
        var http = server.Http;
        var all = new List<double>();
        var videos = new List<string>();
        // The encode path's first run compiles its code too (upload, download, ffprobe, ffmpeg's wrapper, the output's
        // upload): one short video first, so round 1 does not pay that while its emails are in flight.
        var warmUpVideo = Path.Combine(Path.GetTempPath(), "offload-bench-warm-up-2s.avi");
        if (!File.Exists(warmUpVideo))
        {
            await Ffmpeg.RunAsync("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=2",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=2", "-c:v", "mpeg4", "-c:a", "libmp3lame", "-shortest", warmUpVideo);
        }

        await using (var file = File.OpenRead(warmUpVideo))
        {
            using var response = await http.PostAsync("/api/videos", new StreamContent(file) { Headers = { ContentType = new MediaTypeHeaderValue("video/x-msvideo") } });
            response.EnsureSuccessStatusCode();
            var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            while ((await StatusesAsync(http, [id]))[0] is not ("succeeded" or "failed"))
                await Task.Delay(200);
        }

        var warmUp = await PostEmailsAsync(http, "warm-up");
        await mail.WaitForAsync(e => e.To.EndsWith("-warm-up@example.com", StringComparison.Ordinal), EmailsPerRound, TimeSpan.FromMinutes(5));
        Console.WriteLine($"warm-up (not counted: one 2 s video, then 50 emails): latency POST -> SMTP {Percentiles(await LatenciesAsync(http, warmUp))}");
        for (var round = 1; round <= Rounds; round++)
        {
            await mail.ClearAsync();
            await Task.Delay(Quiet);
            for (var i = 0; i < EncodesPerRound; i++)
            {
                await using var file = File.OpenRead(clip);
                using var response = await http.PostAsync("/api/videos", new StreamContent(file) { Headers = { ContentType = new MediaTypeHeaderValue("video/x-msvideo") } });
                response.EnsureSuccessStatusCode();
                videos.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
            }

            while (!(await StatusesAsync(http, videos)).Contains("processing"))
                await Task.Delay(200);

            var run = $"r{round}-{Guid.NewGuid():N}"[..12];
            Console.WriteLine($"round {round}: the burst starts at {DateTimeOffset.UtcNow:HH:mm:ss.fff}");
            var statusUrls = await PostEmailsAsync(http, run);
            // Once a second: every look at maildev fetches every email it holds, CPU the burst would otherwise lose.
            var delivered = await mail.WaitForAsync(e => e.To.EndsWith($"-{run}@example.com", StringComparison.Ordinal), EmailsPerRound,
                TimeSpan.FromMinutes(5), pollInterval: TimeSpan.FromSeconds(1));
            var latencies = await LatenciesAsync(http, statusUrls);
            if (otlp is not null)
                await PrintSlowestAsync(http, otlp, statusUrls, 3);

            var statuses = await StatusesAsync(http, videos);
            all.AddRange(latencies);
            Console.WriteLine($"round {round}: delivered {delivered.Count}/{EmailsPerRound}; when the last email had succeeded, encodes " +
                              $"queued {statuses.Count(s => s == "queued")}, processing {statuses.Count(s => s == "processing")}, " +
                              $"done {statuses.Count(s => s is "succeeded" or "failed")} of {videos.Count} posted; " +
                              $"latency POST -> SMTP {Percentiles(latencies)}");
        }

        Console.WriteLine($"overall, {all.Count} emails: {Percentiles(all)}");
        return all;
    }

    /// <summary>50 password-reset emails at once, to addresses ending in <c>-{run}@example.com</c>; their status URLs.</summary>
    private static Task<string[]> PostEmailsAsync(HttpClient http, string run) =>
        Task.WhenAll(Enumerable.Range(0, EmailsPerRound).Select(async i =>
        {
            using var response = await http.PostAsJsonAsync("/api/emails", new
            {
                to = $"user{i}-{run}@example.com", template = "password-reset",
                model = new { name = $"User {i}", resetLink = $"http://127.0.0.1:7071/reset/{i}" },
            });
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
        }));

    /// <summary>
    /// Each email's completedAt - createdAt, as the starvation test takes it; also printed split at its claim (the
    /// history's "processing" entry): the wait to be picked up (the API's writes, the message, the poll, the read) and
    /// the work (the claim, SMTP, the end's write).
    /// </summary>
    private static async Task<List<double>> LatenciesAsync(HttpClient http, IEnumerable<string> statusUrls)
    {
        var (latencies, pickups, work) = (new List<double>(), new List<double>(), new List<double>());
        foreach (var statusUrl in statusUrls)
        {
            var job = await WaitForEndAsync(http, statusUrl);
            var (created, completed) = (job.GetProperty("createdAt").GetDateTimeOffset(), job.GetProperty("completedAt").GetDateTimeOffset());
            latencies.Add((completed - created).TotalMilliseconds);
            var claimed = job.GetProperty("events").EnumerateArray().First(e => e.GetProperty("status").GetString() == "processing").GetProperty("at").GetDateTimeOffset();
            pickups.Add((claimed - created).TotalMilliseconds);
            work.Add((completed - claimed).TotalMilliseconds);
        }

        Console.WriteLine($"  split at the claim: picked up {Percentiles(pickups)}; claim to sent {Percentiles(work)}");
        return latencies;
    }

    /// <summary>The timeline of the <paramref name="count"/> slowest emails, in ms from the start of their POST.</summary>
    private static async Task PrintSlowestAsync(HttpClient http, OtlpReceiver otlp, IEnumerable<string> statusUrls, int count)
    {
        await Task.Delay(2000); // the last spans are exported every 200 ms
        var jobs = new List<(string Id, double Ms)>();
        foreach (var statusUrl in statusUrls)
        {
            var job = await http.GetFromJsonAsync<JsonElement>(statusUrl);
            jobs.Add((job.GetProperty("id").GetString()!,
                (job.GetProperty("completedAt").GetDateTimeOffset() - job.GetProperty("createdAt").GetDateTimeOffset()).TotalMilliseconds));
        }

        var spans = otlp.Spans;
        var polls = spans.Where(s => s is { Kind: SpanKind.Client, Name: "GET" } && Url(s).Contains("/high-priority/messages", StringComparison.Ordinal)).ToList();
        foreach (var (id, ms) in jobs.OrderByDescending(j => j.Ms).Take(count))
        {
            var send = spans.FirstOrDefault(s => s.Kind == SpanKind.Producer && s.Attributes.GetValueOrDefault("offload.job.id") == id);
            var run = spans.FirstOrDefault(s => s.Kind == SpanKind.Consumer && s.Attributes.GetValueOrDefault("offload.job.id") == id);
            if (send is null || run is null)
            {
                Console.WriteLine($"    {id}: {ms:0} ms, spans not found");
                continue;
            }

            var request = spans.FirstOrDefault(s => s.TraceId == send.TraceId && s.Kind == SpanKind.Server) ?? send;
            var t0 = request.Start;
            string At(DateTimeOffset time) => $"{(time - t0).TotalMilliseconds:0}";
            string Call(ExportedSpan s) => Uri.TryCreate(Url(s), UriKind.Absolute, out var url)
                ? $"{s.Name} {url.AbsolutePath.Split('/').ElementAtOrDefault(2)} {At(s.Start)}-{At(s.End)}"
                : $"{s.Name} {At(s.Start)}-{At(s.End)}";
            var calls = spans.Where(s => s.TraceId == send.TraceId && s.Kind == SpanKind.Client && s.Start >= request.Start).OrderBy(s => s.Start).ToList();
            Console.WriteLine($"    {id}: {ms:0} ms. request {At(request.Start)}-{At(request.End)} [{string.Join(", ", calls.Where(c => c.End <= request.End).Select(Call))}]");
            Console.WriteLine($"      polls of high-priority from the send to the run: [{string.Join(", ", polls.Where(p => p.End >= send.Start && p.Start <= run.Start).OrderBy(p => p.Start).Select(p => $"{At(p.Start)}-{At(p.End)}"))}]");
            Console.WriteLine($"      run {At(run.Start)}-{At(run.End)} [{string.Join(", ", calls.Where(c => c.Start >= run.Start).Select(Call))}]");
        }
    }

    private static string Url(ExportedSpan span) => span.Attributes.GetValueOrDefault("url.full") ?? "";

    private static async Task<List<string>> StatusesAsync(HttpClient http, List<string> videos)
    {
        var statuses = new List<string>();
        foreach (var id in videos)
            statuses.Add((await http.GetFromJsonAsync<JsonElement>($"/api/videos/{id}")).GetProperty("status").GetString()!);
        return statuses;
    }

    // The mail catcher has the message a moment before the job records that it succeeded.
    private static async Task<JsonElement> WaitForEndAsync(HttpClient http, string statusUrl)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(100))
        {
            var job = await http.GetFromJsonAsync<JsonElement>(statusUrl);
            if (job.GetProperty("status").GetString() is "succeeded" or "failed" || DateTime.UtcNow > deadline)
                return job;
        }
    }

    // As the starvation test takes them: the value at the rank, not interpolated.
    private static string Percentiles(List<double> values)
    {
        var sorted = values.Order().ToList();
        return $"p50 {sorted[sorted.Count / 2]:0} ms, p95 {sorted[(int)Math.Ceiling(sorted.Count * 0.95) - 1]:0} ms, max {sorted[^1]:0} ms";
    }
}
