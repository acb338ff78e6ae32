using System.Collections.Concurrent;
using System.Diagnostics;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Offload.Telemetry;

namespace Offload.Email;

/// <summary>
/// Sends mail over SMTP with MailKit, keeping connected sessions for reuse so a burst of emails does not pay a
/// TCP + EHLO (+ TLS + AUTH) handshake per message. A session that fails is dropped, never reused.
/// </summary>
public sealed class SmtpSender(IOptions<EmailOptions> options) : IDisposable
{
    private readonly EmailOptions _options = options.Value;
    // Mail servers close sessions idle for about a minute (maildev at 60-75 s, "421 Timeout"): older ones are not reused.
    private static readonly long MaxIdleMilliseconds = 30_000;
    private readonly ConcurrentBag<(SmtpClient Client, long IdleSince)> _idle = [];

    /// <summary>Sends <paramref name="message"/>, as the span <c>smtp send</c> (a child of the job's delivery).</summary>
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        using var activity = Instrumentation.Source.StartActivity("smtp send", ActivityKind.Client);
        activity?.SetTag("server.address", _options.SmtpHost);
        activity?.SetTag("server.port", _options.SmtpPort);
        try
        {
            await SendOnPooledSessionAsync(message, activity, cancellationToken);
        }
        catch (Exception ex) when (activity.Failed(ex))
        {
            throw; // never reached: the filter only records the failure on the span
        }
    }

    private async Task SendOnPooledSessionAsync(MimeMessage message, Activity? activity, CancellationToken cancellationToken)
    {
        var (client, reused) = await RentAsync(cancellationToken);
        activity?.SetTag("offload.smtp.session_reused", reused);
        try
        {
            await client.SendAsync(message, cancellationToken);
        }
        catch (Exception ex) when (reused && (ex is ServiceNotConnectedException or IOException or SmtpProtocolException
                                               || ex is SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable }))
        {
            // The server closed the idle session: one more try on a fresh one.
            activity?.AddEvent(new ActivityEvent("smtp.stale_session", tags: new() { ["error.type"] = ex.GetType().FullName }));
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
            if (idle.Client.IsConnected && Environment.TickCount64 - idle.IdleSince < MaxIdleMilliseconds)
                return (idle.Client, true);
            idle.Client.Dispose();
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
            _idle.Add((client, Environment.TickCount64));
        else
            client.Dispose();
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var idle))
            idle.Client.Dispose();
    }
}
