using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Offload.Testing;

/// <summary>
/// A real HTTP endpoint on loopback that receives webhook deliveries, as a customer's server would: it records each
/// request (headers, raw body, time) and answers with what <see cref="Respond"/> says (200 by default).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly ConcurrentQueue<Received> _received = new();

    public sealed record Received(DateTimeOffset At, string Body, IReadOnlyDictionary<string, string> Headers)
    {
        public string? Header(string name) => Headers.GetValueOrDefault(name.ToLowerInvariant());
    }

    private WebhookReceiver(int port)
    {
        Url = $"http://127.0.0.1:{port}/hooks/offload";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>Where to register it (the development setting Webhooks__AllowLoopbackHttp lets http://127.0.0.1 through).</summary>
    public string Url { get; }

    /// <summary>The status to answer the n-th request (from 1) with.</summary>
    public Func<int, int> Respond { get; set; } = _ => 200;

    public IReadOnlyList<Received> Requests => _received.ToList();

    public static WebhookReceiver Start()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new WebhookReceiver(port);
    }

    /// <summary>Waits until <paramref name="count"/> requests have come in that match, then returns them.</summary>
    public async Task<IReadOnlyList<Received>> WaitForAsync(int count, Func<Received, bool>? match = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var found = _received.Where(r => match?.Invoke(r) ?? true).ToList();
            if (found.Count >= count)
                return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{found.Count} of {count} webhook requests came in.");
            await Task.Delay(100);
        }
    }

    private async Task ServeAsync()
    {
        var n = 0;
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.AllKeys.OfType<string>().ToDictionary(k => k.ToLowerInvariant(), k => context.Request.Headers[k]!);
            _received.Enqueue(new Received(DateTimeOffset.UtcNow, body, headers));
            context.Response.StatusCode = Respond(Interlocked.Increment(ref n));
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
