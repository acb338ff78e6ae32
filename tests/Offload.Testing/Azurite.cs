using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Offload.Testing;

/// <summary>
/// A private Azurite (npm, installed by ./test.sh) on free loopback ports, in memory: every fixture gets
/// a clean storage account of its own, so no test sees another's queues.
/// </summary>
public sealed partial class Azurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process _process;

    private Azurite(Process process, ProcessOutput output, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        Output = output;
        ConnectionString =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            $"AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";
    }

    public string ConnectionString { get; }
    public ProcessOutput Output { get; }

    public static async Task<Azurite> StartAsync()
    {
        var executable = Path.Combine(Repo.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
            throw new InvalidOperationException($"Azurite is not installed at {executable}: run ./test.sh, or 'npm ci' in {Repo.Root}.");

        var start = new ProcessStartInfo(executable)
        {
            ArgumentList =
            {
                "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry",
                "--blobHost", "127.0.0.1", "--blobPort", "0",
                "--queueHost", "127.0.0.1", "--queuePort", "0",
                "--tableHost", "127.0.0.1", "--tablePort", "0",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        var output = new ProcessOutput();
        var ports = new Dictionary<string, int>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        output.Line += line =>
        {
            var match = Listening().Match(line);
            if (!match.Success)
                return;
            lock (ports)
            {
                ports[match.Groups["service"].Value] = int.Parse(match.Groups["port"].Value);
                if (ports.Count == 3)
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

        return new Azurite(process, output, ports["Blob"], ports["Queue"], ports["Table"]);
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
