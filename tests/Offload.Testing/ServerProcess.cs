using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Offload.Storage;

namespace Offload.Testing;

/// <summary>
/// Offload.Server started as users start it: its own process, from its build output, configured only through
/// environment variables, listening on a free loopback port. It is given a known admin key (<see cref="AdminKey"/>,
/// as ./run.sh gives it OFFLOAD_API_KEY), and <see cref="Http"/> sends it with every request.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    /// <summary>The admin key every test server is started with (<c>Auth__AdminKey</c>).</summary>
    public const string AdminKey = "offload-tests-admin-key-not-a-secret-0123456789";

    /// <summary>The owner of what <see cref="AdminKey"/> makes.</summary>
    public const string AdminOwner = "key:" + Offload.Access.ApiKeyStore.ConfiguredKeyId;

    private readonly Process _process;

    private ServerProcess(Process process, ProcessOutput output, Uri baseAddress)
    {
        _process = process;
        Output = output;
        BaseAddress = baseAddress;
        Http = Client(AdminKey);
    }

    /// <summary>
    /// A client of this server that sends <c>Authorization: Bearer {credential}</c>, or nothing when
    /// <paramref name="credential"/> is null. Redirects are not followed, so a test sees them.
    /// </summary>
    public HttpClient Client(string? credential)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        if (credential is not null)
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", credential);
        return client;
    }

    public Uri BaseAddress { get; }
    public HttpClient Http { get; }
    public ProcessOutput Output { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public static Task<ServerProcess> StartAsync(
        string storageConnectionString, IDictionary<string, string>? settings = null, bool waitForHealthy = true, params string[] args) =>
        StartAsync(null, storageConnectionString, settings, waitForHealthy, args);

    /// <summary>A server whose process (and every ffmpeg it starts) runs on <paramref name="cpus"/> alone (<c>taskset -c 0</c>).</summary>
    public static Task<ServerProcess> StartPinnedAsync(string cpus, string storageConnectionString, IDictionary<string, string>? settings = null, params string[] args) =>
        StartAsync(cpus, storageConnectionString, settings, true, args);

    private static async Task<ServerProcess> StartAsync(
        string? cpus, string storageConnectionString, IDictionary<string, string>? settings, bool waitForHealthy, string[] args)
    {
        var port = FreePort();
        var dll = Path.Combine(Repo.ProjectOutput("Offload.Server"), "Offload.Server.dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException($"Build the server first: {dll} is missing.");

        var start = new ProcessStartInfo(cpus is null ? "dotnet" : "taskset")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (cpus is not null)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(cpus);
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(dll);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment[StorageNames.ConnectionName] = storageConnectionString;
        start.Environment["Auth__AdminKey"] = AdminKey;
        // The admin key drives whole suites (a load burst, a starvation run) past a small team's quotas; the quota
        // tests use keys of their own, which are not exempt.
        start.Environment["Quotas__AdminExempt"] = "true";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            start.Environment[key] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("The server did not start.");
        var output = new ProcessOutput();
        output.Attach(process);
        var server = new ServerProcess(process, output, new Uri($"http://127.0.0.1:{port}"));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                process.WaitForExit(); // without a timeout it also waits for the output handlers to drain, or the tail may miss the last lines
                throw new InvalidOperationException($"The server exited with code {process.ExitCode}:\n{output.Tail()}");
            }
            try
            {
                using var response = await server.Http.GetAsync("/api/health");
                if (!waitForHealthy || response.StatusCode == HttpStatusCode.OK)
                    return server;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200);
        }

        await server.DisposeAsync();
        throw new InvalidOperationException($"The server did not become healthy in time:\n{output.Tail()}");
    }

    /// <summary>
    /// Stops the process as a deploy or a scale-in does: SIGTERM, then waits for it to exit (at most
    /// <paramref name="timeout"/>). Returns its exit code.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        await Command.RunAsync("kill", "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var wait = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(wait.Token);
        return _process.ExitCode;
    }

    /// <summary>Ends the process at once, like a crash or an out-of-memory kill.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
