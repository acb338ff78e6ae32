using System.Net;
using System.Net.Sockets;

namespace Offload.Testing;

/// <summary>
/// A plain TCP relay on a free loopback port in front of one endpoint (an Azurite service, an SMTP server): a test
/// points a process at the proxy and then cuts that one endpoint while the others stay up. <see cref="Cut"/> drops
/// every open connection and refuses new ones, as a network partition or a dead front end would; <see cref="Restore"/>
/// lets connections through again.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpClient Client, TcpClient Upstream)> _open = [];
    private readonly Task _accepting;
    private volatile bool _cut;

    private TcpProxy(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>The port to connect to instead of the target's.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many connections were refused or dropped while cut.</summary>
    public int Refused { get; private set; }

    public bool IsCut => _cut;

    public static TcpProxy For(int targetPort) => new(new IPEndPoint(IPAddress.Loopback, targetPort));

    /// <summary>Drops every open connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
            foreach (var (client, upstream) in _open)
            {
                client.Close();
                upstream.Close();
            }

            _open.Clear();
        }
    }

    public void Restore() => _cut = false;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (_cut)
            {
                Refused++;
                client.Client.LingerState = new LingerOption(true, 0); // a reset, as a refused connection gives
                client.Close();
                continue;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_target, _stop.Token);
            lock (_open)
                _open.Add((client, upstream));
            if (_cut)
                return;
            var down = client.GetStream();
            var up = upstream.GetStream();
            await Task.WhenAny(down.CopyToAsync(up, _stop.Token), up.CopyToAsync(down, _stop.Token));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the connection ended, or was cut
        }
        finally
        {
            lock (_open)
                _open.Remove((client, upstream));
            client.Close();
            upstream.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting;
        _stop.Dispose();
    }
}
