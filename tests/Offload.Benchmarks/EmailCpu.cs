using System.Globalization;
using System.Net.Http.Json;
using Offload.Testing;

namespace Offload.Benchmarks;

/// <summary>
/// What an email costs in CPU on this machine, by process (the API, the worker, Azurite, the SMTP server):
/// after a warm-up burst, bursts of 50 emails with nothing else running. On two cores this is what bounds how fast a
/// burst of emails can be through, and so the latency of its last ones (<see cref="EmailLatencyBenchmark"/>).
/// </summary>
public static class EmailCpuBenchmark
{
    private const int Bursts = 4;
    private const int PerBurst = 50;

    public static async Task RunAsync()
    {
        Console.WriteLine("== cpu: CPU time per email, by process (bursts of 50, nothing else running; API and worker in processes of their own) ==");
        await using var azurite = await Azurite.StartAsync();
        await using var mail = await MailDev.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["Email__SmtpHost"] = "127.0.0.1",
            ["Email__SmtpPort"] = mail.SmtpPort.ToString(CultureInfo.InvariantCulture),
        };
        // The API in one process, the worker in another (as the ops benchmark runs them), to tell their costs apart.
        await using var api = await ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string>(settings) { ["Worker__Queues"] = "none" });
        await using var worker = await ServerProcess.StartAsync(azurite.ConnectionString, settings);
        await BurstAsync(api.Http, mail, "warm-up");

        var processes = new (string Name, int[] Pids)[] { ("API", [api.Pid]), ("worker", [worker.Pid]), ("Azurite", [.. azurite.Pids]), ("maildev", [mail.Pid]) };
        // What the processes use idle (the listeners' polls, the sweeper), to tell it from what the emails cost.
        var idleStart = processes.Select(p => Processes.CpuSeconds(p.Pids)).ToArray();
        var idleWatch = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(20));
        var idlePerSecond = processes.Select((p, i) => (Processes.CpuSeconds(p.Pids) - idleStart[i]) / idleWatch.Elapsed.TotalSeconds).ToArray();
        Console.WriteLine("  idle: " + string.Join(", ", processes.Select((p, i) => $"{p.Name} {idlePerSecond[i] * 100:0.0} % of a core")));

        var before = processes.Select(p => Processes.CpuSeconds(p.Pids)).ToArray();
        var wall = System.Diagnostics.Stopwatch.StartNew();
        for (var burst = 1; burst <= Bursts; burst++)
            await BurstAsync(api.Http, mail, $"b{burst}");
        var seconds = wall.Elapsed.TotalSeconds;
        var used = processes.Select((p, i) => Processes.CpuSeconds(p.Pids) - before[i] - idlePerSecond[i] * seconds).ToArray();
        const int emails = Bursts * PerBurst;
        Console.WriteLine($"  {emails} emails in {seconds:0.0} s: CPU per email, idle use taken out: " +
                          string.Join(", ", processes.Select((p, i) => $"{p.Name} {used[i] * 1000 / emails:0.0} ms")) +
                          $"; all {used.Sum() * 1000 / emails:0.0} ms (of {Environment.ProcessorCount} cores)");
    }

    private static async Task BurstAsync(HttpClient http, MailDev mail, string run)
    {
        await Task.WhenAll(Enumerable.Range(0, PerBurst).Select(async i =>
        {
            using var response = await http.PostAsJsonAsync("/api/emails", new
            {
                to = $"user{i}-{run}@example.com", template = "password-reset",
                model = new { name = $"User {i}", resetLink = $"http://127.0.0.1:7071/reset/{i}" },
            });
            response.EnsureSuccessStatusCode();
        }));
        await mail.WaitForAsync(e => e.To.EndsWith($"-{run}@example.com", StringComparison.Ordinal), PerBurst, TimeSpan.FromMinutes(2));
        await Task.Delay(2000); // the jobs' end moves, after the SMTP server has the message
    }
}
