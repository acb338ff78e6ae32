using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Offload.Testing;

/// <summary>
/// A private Azurite (npm, installed by ./test.sh) on free loopback ports, in memory: every fixture gets
/// a clean storage account of its own, so no test sees another's queues. Given a folder it keeps its data there, and
/// can be stopped and started again on the same ports with the same data (an outage a server must survive).
/// </summary>
public sealed partial class Azurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process _process;

    private Azurite(Process process, ProcessOutput output, int blobPort, int queuePort, int tablePort, string? location)
    {
        _process = process;
        Output = output;
        Location = location;
        Ports = (blobPort, queuePort, tablePort);
        ConnectionString = ConnectionStringVia();
    }

    /// <summary>
    /// The connection string with some endpoints on other ports: those of <see cref="TcpProxy"/>s in front of this
    /// Azurite's, so a test can cut one service (the queue, say) while the others answer.
    /// </summary>
    public string ConnectionStringVia(int? blobPort = null, int? queuePort = null, int? tablePort = null) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        $"AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort ?? Ports.Blob}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{queuePort ?? Ports.Queue}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{tablePort ?? Ports.Table}/devstoreaccount1;";

    public string ConnectionString { get; }

    /// <summary>The process id (its CPU time is a benchmark's measure).</summary>
    public int Pid => _process.Id;
    public ProcessOutput Output { get; }
    public string? Location { get; }
    public (int Blob, int Queue, int Table) Ports { get; }

    /// <summary>The same storage again, after <see cref="DisposeAsync"/>: same folder, same ports, same data.</summary>
    public Task<Azurite> RestartAsync() => StartAsync(Location, Ports);

    /// <summary>Starts Azurite: in memory on free ports, or keeping its data in <paramref name="location"/> on <paramref name="ports"/>.</summary>
    public static async Task<Azurite> StartAsync(string? location = null, (int Blob, int Queue, int Table)? ports = null)
    {
        var executable = Path.Combine(Repo.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
            throw new InvalidOperationException($"Azurite is not installed at {executable}: run ./test.sh, or 'npm ci' in {Repo.Root}.");

        var start = new ProcessStartInfo(executable)
        {
            ArgumentList =
            {
                // --silent: no access log line per request, as ./run.sh runs it. Azurite writes its log to the pipe
                // synchronously, on the thread that serves every request: about a quarter of a small request's time.
                "--silent", "--skipApiVersionCheck", "--disableTelemetry",
                "--blobHost", "127.0.0.1", "--blobPort", (ports?.Blob ?? 0).ToString(CultureInfo.InvariantCulture),
                "--queueHost", "127.0.0.1", "--queuePort", (ports?.Queue ?? 0).ToString(CultureInfo.InvariantCulture),
                "--tableHost", "127.0.0.1", "--tablePort", (ports?.Table ?? 0).ToString(CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (location is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(location);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        var output = new ProcessOutput();
        var listening = new Dictionary<string, int>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        output.Line += line =>
        {
            var match = Listening().Match(line);
            if (!match.Success)
                return;
            lock (listening)
            {
                listening[match.Groups["service"].Value] = int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture);
                if (listening.Count == 3)
                    ready.TrySetResult();
            }
        };
        output.Attach(process);

        var started = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
        if (started != ready.Task)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"Azurite did not become ready:\n{output.Tail()}");
        }

        return new Azurite(process, output, listening["Blob"], listening["Queue"], listening["Table"], location);
    }

    /// <summary>
    /// Stops Azurite as an outage would, keeping its data: SIGTERM makes it close its ports and save its databases
    /// (a plain kill loses what it has not saved yet); it then lingers, so it is killed once its ports are closed.
    /// </summary>
    public async Task StopAsync()
    {
        await Command.RunAsync("kill", "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture));
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline && IsListening(Ports.Table); )
            await Task.Delay(100);
        await Task.Delay(TimeSpan.FromSeconds(1)); // the saves
        await DisposeAsync();
    }

    private static bool IsListening(int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Azurite ignores SIGTERM once it has served traffic: kill it.
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    [GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service is successfully listening at http://127\.0\.0\.1:(?<port>\d+)")]
    private static partial Regex Listening();
}
