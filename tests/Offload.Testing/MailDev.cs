using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Offload.Testing;

/// <summary>
/// A received email, as the mail catcher parsed it: <see cref="From"/> and <see cref="Headers"/> as the message says,
/// <see cref="EnvelopeTo"/> the recipients the SMTP session named (RCPT TO), which is where it was really delivered.
/// </summary>
public sealed record ReceivedEmail(string To, string Subject, string Text, string Html, DateTimeOffset Time, string? Job)
{
    public string From { get; init; } = "";
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> EnvelopeTo { get; init; } = [];
}

/// <summary>
/// The local mail catcher (npm maildev, installed by ./test.sh) as a real SMTP server on a free loopback port,
/// with its REST API to read what arrived.
/// </summary>
public sealed class MailDev : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _api;
    private readonly string _folder;

    private MailDev(Process process, int smtpPort, int webPort, string folder)
    {
        _process = process;
        _folder = folder;
        SmtpPort = smtpPort;
        _api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webPort}") };
    }

    public int SmtpPort { get; }

    /// <summary>The process id (its CPU time is a benchmark's measure).</summary>
    public int Pid => _process.Id;
    public ProcessOutput Output { get; } = new();

    /// <summary>
    /// Starts the mail catcher on <paramref name="smtpPort"/> (a free one when not given); with <paramref name="credentials"/>
    /// it accepts mail only from a client that logs in with them.
    /// </summary>
    public static async Task<MailDev> StartAsync(int? smtpPort = null, (string User, string Password)? credentials = null)
    {
        var executable = Path.Combine(Repo.Root, "node_modules", ".bin", "maildev");
        if (!File.Exists(executable))
            throw new InvalidOperationException($"maildev is not installed at {executable}: run ./test.sh, or 'npm ci' in {Repo.Root}.");

        var (smtp, web) = (smtpPort ?? ServerProcess.FreePort(), ServerProcess.FreePort());
        var folder = Directory.CreateTempSubdirectory("offload-maildev").FullName;
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList =
            {
                "--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--smtp", smtp.ToString(), "--web", web.ToString(),
                "--mail-directory", folder,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (credentials is { } login)
        {
            start.ArgumentList.Add("--incoming-user");
            start.ArgumentList.Add(login.User);
            start.ArgumentList.Add("--incoming-pass");
            start.ArgumentList.Add(login.Password);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("maildev did not start.");
        var mail = new MailDev(process, smtp, web, folder);
        mail.Output.Attach(process);

        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"maildev exited:\n{mail.Output.Tail()}");
            try
            {
                using var response = await mail._api.GetAsync("/api/email");
                if (response.IsSuccessStatusCode)
                    return mail;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
        }

        await mail.DisposeAsync();
        throw new InvalidOperationException($"maildev did not become ready:\n{mail.Output.Tail()}");
    }

    public async Task<IReadOnlyList<ReceivedEmail>> ReceivedAsync()
    {
        var emails = await _api.GetFromJsonAsync<JsonElement>("/api/email");
        return emails.EnumerateArray().Select(e => new ReceivedEmail(
            To: string.Join(",", e.GetProperty("to").EnumerateArray().Select(t => t.GetProperty("address").GetString())),
            Subject: e.GetProperty("subject").GetString() ?? "",
            Text: e.TryGetProperty("text", out var text) ? text.GetString() ?? "" : "",
            Html: e.TryGetProperty("html", out var html) ? html.GetString() ?? "" : "",
            Time: e.GetProperty("time").GetDateTimeOffset(),
            Job: e.GetProperty("headers").TryGetProperty("x-offload-job", out var job) ? job.GetString() : null)
        {
            From = string.Join(",", e.GetProperty("from").EnumerateArray().Select(f => f.GetProperty("address").GetString())),
            Headers = e.GetProperty("headers").EnumerateObject().ToDictionary(
                h => h.Name, h => h.Value.ValueKind == JsonValueKind.String ? h.Value.GetString()! : h.Value.GetRawText(), StringComparer.OrdinalIgnoreCase),
            EnvelopeTo = e.TryGetProperty("envelope", out var envelope) && envelope.TryGetProperty("to", out var rcpt)
                ? rcpt.EnumerateArray().Select(r => r.GetProperty("address").GetString()!).ToList()
                : [],
        }).ToList();
    }

    /// <summary>
    /// Waits until <paramref name="count"/> emails match, or the timeout passes; returns the matches. Every look fetches
    /// every email maildev holds: a benchmark looks seldom (<paramref name="pollInterval"/>), so its looking does not take
    /// the CPU from what it measures.
    /// </summary>
    public async Task<IReadOnlyList<ReceivedEmail>> WaitForAsync(
        Func<ReceivedEmail, bool> match, int count = 1, TimeSpan? timeout = null, TimeSpan? pollInterval = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var found = (await ReceivedAsync()).Where(match).ToList();
            if (found.Count >= count || DateTime.UtcNow > deadline)
                return found;
            await Task.Delay(pollInterval ?? TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Deletes every email maildev holds.</summary>
    public async Task ClearAsync() => (await _api.DeleteAsync("/api/email/all")).EnsureSuccessStatusCode();

    public async ValueTask DisposeAsync()
    {
        _api.Dispose();
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
