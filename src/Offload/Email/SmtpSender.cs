using System.Collections.Concurrent;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Offload.Email;

/// <summary>
/// Sends mail over SMTP with MailKit, keeping connected sessions for reuse so a burst of emails does not pay a
/// TCP + EHLO (+ TLS + AUTH) handshake per message. A session that fails is dropped, never reused.
/// </summary>
public sealed class SmtpSender(IOptions<EmailOptions> options) : IDisposable
{
    private readonly EmailOptions _options = options.Value;
    private readonly ConcurrentBag<SmtpClient> _idle = [];

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var (client, reused) = await RentAsync(cancellationToken);
        try
        {
            await client.SendAsync(message, cancellationToken);
        }
        catch (Exception ex) when (reused && ex is ServiceNotConnectedException or IOException or SmtpProtocolException)
        {
            // The server closed the idle session: one more try on a fresh one.
            client.Dispose();
            (client, _) = await RentAsync(cancellationToken, fresh: true);
            await SendOnceAsync(client, message, cancellationToken);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        Return(client);
    }

    private static async Task SendOnceAsync(SmtpClient client, MimeMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendAsync(message, cancellationToken);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public MailboxAddress From => MailboxAddress.Parse(_options.From);

    private async Task<(SmtpClient Client, bool Reused)> RentAsync(CancellationToken cancellationToken, bool fresh = false)
    {
        while (!fresh && _idle.TryTake(out var idle))
        {
            if (idle.IsConnected)
                return (idle, true);
            idle.Dispose();
        }

        var client = new SmtpClient { Timeout = 30_000 };
        try
        {
            await client.ConnectAsync(_options.SmtpHost, _options.SmtpPort,
                _options.UseStartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, cancellationToken);
            if (!string.IsNullOrEmpty(_options.SmtpUser))
                await client.AuthenticateAsync(_options.SmtpUser, _options.SmtpPassword ?? "", cancellationToken);
            return (client, false);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private void Return(SmtpClient client)
    {
        if (client.IsConnected && _idle.Count < _options.MaxIdleConnections)
            _idle.Add(client);
        else
            client.Dispose();
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var client))
            client.Dispose();
    }
}
