using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Offload.Webhooks;

/// <summary>
/// The one HTTP client deliveries use. Its connections go only to addresses <see cref="WebhookUrls"/> allows: the host
/// is resolved and checked as the connection is made, and the socket connects to the checked address, so DNS cannot
/// point a registered name at an internal address in between. Redirects are not followed (one could lead anywhere).
/// </summary>
public sealed class WebhookSender : IDisposable
{
    public WebhookSender(IOptions<WebhookOptions> options)
    {
        var allowLoopbackHttp = options.Value.AllowLoopbackHttp;
        Http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false, // a proxy would connect to the host for us, past the address check
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var loopback = context.InitialRequestMessage.RequestUri is { } url && WebhookUrls.IsLoopbackHttp(url, allowLoopbackHttp);
                var addresses = await WebhookUrls.ResolveAsync(context.DnsEndPoint.Host, loopback, cancellationToken);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each delivery has its own (WebhookOptions.Timeout)
        };
    }

    public HttpClient Http { get; }

    public void Dispose() => Http.Dispose();
}
