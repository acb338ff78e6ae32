using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Offload.Testing;

/// <summary>
/// A private Azurite (npm, installed by ./test.sh) on free loopback ports, in memory: every fixture gets
/// a clean storage account of its own, so no test sees another's queues. Given a folder it keeps its data there, and
/// can be stopped and started again on the same ports with the same data (an outage a server must survive).
/// By default one process serves the three services on one thread; per service, as Azure runs them, a process each
/// (Azurite's azurite-blob, azurite-queue and azurite-table), so an encode's blob transfer does not hold up a queue call.
/// </summary>
public sealed partial class Azurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly string[] Services = ["Blob", "Queue", "Table"];
    private readonly IReadOnlyList<Process> _processes;

    private Azurite(IReadOnlyList<Process> processes, ProcessOutput output, int blobPort, int queuePort, int tablePort, string? location, bool perService)
    {
        _processes = processes;
        Output = output;
        Location = location;
        PerService = perService;
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

    /// <summary>The ids of its processes (their CPU time is a benchmark's measure): one, or one per service.</summary>
    public IReadOnlyList<int> Pids => [.. _processes.Select(p => p.Id)];
    public ProcessOutput Output { get; }
    public string? Location { get; }
    public bool PerService { get; }
    public (int Blob, int Queue, int Table) Ports { get; }

    /// <summary>The same storage again, after <see cref="DisposeAsync"/>: same folder, same ports, same data.</summary>
    public Task<Azurite> RestartAsync() => StartAsync(Location, Ports, PerService);

    /// <summary>
    /// Starts Azurite: in memory on free ports, or keeping its data in <paramref name="location"/> on
    /// <paramref name="ports"/>; in one process, or in one per service.
    /// </summary>
    public static async Task<Azurite> StartAsync(string? location = null, (int Blob, int Queue, int Table)? ports = null, bool perService = false)
    {
        // azurite-table on port 0 says "started on 127.0.0.1:0", not the port it got: a process per service is given free ports.
        int[] port = ports is { } given ? [given.Blob, given.Queue, given.Table]
            : perService ? [FreePort(), FreePort(), FreePort()] : [0, 0, 0];
        IEnumerable<(string Executable, string[] Services)> plan = perService
            ? Services.Select(s => ($"azurite-{s.ToLowerInvariant()}", new[] { s }))
            : [("azurite", Services)];
        var output = new ProcessOutput();
        var processes = new List<Process>();
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
                if (listening.Count == Services.Length)
                    ready.TrySetResult();
            }
        };

        // Every executable first: none is started when one is missing.
        foreach (var (name, _) in plan)
        {
            var executable = Path.Combine(Repo.Root, "node_modules", ".bin", name);
            if (!File.Exists(executable))
                throw new InvalidOperationException($"Azurite is not installed at {executable}: run ./test.sh, or 'npm ci' in {Repo.Root}.");
        }

        foreach (var (name, services) in plan)
        {
            var executable = Path.Combine(Repo.Root, "node_modules", ".bin", name);

            var start = new ProcessStartInfo(executable)
            {
                // --silent: no access log line per request, as ./run.sh runs it. Azurite writes its log to the pipe
                // synchronously, on the thread that serves every request: about a quarter of a small request's time.
                ArgumentList = { "--silent", "--skipApiVersionCheck", "--disableTelemetry" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var service in services)
            {
                var option = service.ToLowerInvariant();
                start.ArgumentList.Add($"--{option}Host");
                start.ArgumentList.Add("127.0.0.1");
                start.ArgumentList.Add($"--{option}Port");
                start.ArgumentList.Add(port[Array.IndexOf(Services, service)].ToString(CultureInfo.InvariantCulture));
            }

            if (location is null)
            {
                start.ArgumentList.Add("--inMemoryPersistence");
            }
            else
            {
                start.ArgumentList.Add("--location");
                start.ArgumentList.Add(location);
            }

            var process = Process.Start(start);
            if (process is null)
            {
                foreach (var running in processes)
                    running.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"{name} did not start.");
            }

            processes.Add(process);
            output.Attach(process);
        }

        var exited = Task.WhenAny(processes.Select(p => p.WaitForExitAsync()));
        var started = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(30)));
        if (started != ready.Task)
        {
            foreach (var process in processes)
                process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"Azurite did not become ready:\n{output.Tail()}");
        }

        return new Azurite(processes, output, listening["Blob"], listening["Queue"], listening["Table"], location, perService);
    }

    /// <summary>
    /// Stops Azurite as an outage would, keeping its data: SIGTERM makes it close its ports and save its databases
    /// (a plain kill loses what it has not saved yet); it then lingers, so it is killed once its ports are closed.
    /// </summary>
    public async Task StopAsync()
    {
        foreach (var process in _processes)
            await Command.RunAsync("kill", "-TERM", process.Id.ToString(CultureInfo.InvariantCulture));
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline && IsListening(Ports.Table); )
            await Task.Delay(100);
        await Task.Delay(TimeSpan.FromSeconds(1)); // the saves
        await DisposeAsync();
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
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
        foreach (var process in _processes)
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    // "is successfully listening at http://…" from azurite; "successfully listens on http://…" from azurite-blob and
    // azurite-queue, "successfully started on …" from azurite-table.
    [GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service (is successfully listening at|successfully listens on|successfully started on) (http://)?127\.0\.0\.1:(?<port>[1-9]\d*)")]
    private static partial Regex Listening();
}
