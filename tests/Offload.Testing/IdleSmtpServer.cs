using System.Diagnostics;
using System.Text.Json;

namespace Offload.Testing;

/// <summary>How <see cref="IdleSmtpServer"/> ends a session that sat idle.</summary>
public enum IdleClose
{
    /// <summary>"421 Timeout - closing connection", then FIN: smtp-server's own way, and maildev's.</summary>
    Reply421,
    /// <summary>FIN without a word.</summary>
    Eof,
    /// <summary>RST, like a NAT or load balancer that forgot the flow.</summary>
    Reset,
}

/// <summary>What the server saw: <c>connect</c>, <c>idle-close</c>, <c>message</c> (with its recipients and X-Offload-Job) or <c>close</c> of session <see cref="Session"/>.</summary>
public sealed record SmtpServerEvent(string Event, string Session, IReadOnlyList<string> To, string? Subject, string? Job);

/// <summary>
/// A real SMTP server (npm smtp-server, the one maildev is built on; tests/Offload.Testing/idle-smtp-server.cjs) that
/// closes sessions idle for <c>idleTimeout</c>, so a test reaches, in seconds, the pooled session a production mail
/// server closes after a minute. A recipient containing <c>reset-after-data</c> has its message taken and recorded,
/// then the connection reset before the final reply. Every event is kept in <see cref="Events"/>.
/// </summary>
public sealed class IdleSmtpServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<SmtpServerEvent> _events = [];
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private IdleSmtpServer(Process process) => _process = process;

    public int Port { get; private set; }
    public ProcessOutput Output { get; } = new();

    public IReadOnlyList<SmtpServerEvent> Events
    {
        get
        {
            lock (_lock)
                return _events.ToList();
        }
    }

    public IReadOnlyList<SmtpServerEvent> Messages => Events.Where(e => e.Event == "message").ToList();

    public static async Task<IdleSmtpServer> StartAsync(TimeSpan idleTimeout, IdleClose close = IdleClose.Reply421)
    {
        var script = Path.Combine(Repo.Root, "tests", "Offload.Testing", "idle-smtp-server.cjs");
        if (!Directory.Exists(Path.Combine(Repo.Root, "node_modules", "smtp-server")))
            throw new InvalidOperationException($"npm smtp-server is not installed under {Repo.Root}: run ./test.sh, or 'npm ci' there.");
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                script, ((long)idleTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
                close switch { IdleClose.Eof => "eof", IdleClose.Reset => "reset", _ => "421" },
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var server = new IdleSmtpServer(process);
        server.Output.Line += server.OnLine;
        server.Output.Attach(process);

        var ready = await Task.WhenAny(server._listening.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
        if (ready != server._listening.Task)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"The SMTP server did not start:\n{server.Output.Tail()}");
        }

        server.Port = await server._listening.Task;
        return server;
    }

    private void OnLine(string line)
    {
        if (!line.StartsWith('{'))
            return;
        var json = JsonDocument.Parse(line).RootElement;
        var name = json.GetProperty("event").GetString()!;
        if (name == "listening")
        {
            _listening.TrySetResult(json.GetProperty("port").GetInt32());
            return;
        }

        var e = new SmtpServerEvent(name, json.TryGetProperty("id", out var id) ? id.GetString()! : "",
            json.TryGetProperty("to", out var to) ? to.EnumerateArray().Select(t => t.GetString()!).ToList() : [],
            json.TryGetProperty("subject", out var subject) ? subject.GetString() : null,
            json.TryGetProperty("job", out var job) ? job.GetString() : null);
        lock (_lock)
            _events.Add(e);
    }

    /// <summary>Waits until <paramref name="count"/> events match, or fails with what the server saw.</summary>
    public async Task<IReadOnlyList<SmtpServerEvent>> WaitForAsync(Func<SmtpServerEvent, bool> match, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var found = Events.Where(match).ToList();
            if (found.Count >= count)
                return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Saw {found.Count} of {count} matching SMTP events:\n{Output.Tail()}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Waits until every session opened so far has ended (the idle ones by the server's timeout, the rest by the
    /// client); returns the idle closes.
    /// </summary>
    public async Task<IReadOnlyList<SmtpServerEvent>> WaitForAllSessionsClosedAsync(TimeSpan? timeout = null)
    {
        var sessions = Events.Where(e => e.Event == "connect").Select(e => e.Session).ToHashSet();
        await WaitForAsync(e => e.Event == "close" && sessions.Contains(e.Session), sessions.Count, timeout);
        return Events.Where(e => e.Event == "idle-close" && sessions.Contains(e.Session)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
