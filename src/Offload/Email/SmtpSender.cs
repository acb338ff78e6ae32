using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Offload.Telemetry;

namespace Offload.Email;

/// <summary>
/// Sends mail over SMTP with MailKit, keeping connected sessions for reuse so a burst of emails does not pay a
/// TCP + EHLO (+ TLS + AUTH) handshake per message. A session that fails is dropped, never reused.
/// </summary>
/// <remarks>
/// Mail servers close sessions that sit idle (maildev after 60-75 s with "421 Timeout", providers after as little as
/// 30 s, a NAT or load balancer by dropping the flow), and a client only learns it when it next speaks. So a session
/// idle longer than <see cref="EmailOptions.SmtpIdleTimeout"/> is not reused, and a reused one that turns out dead
/// before the server has accepted the sender (a 421 reply, a reset, EOF) is replaced at once by a fresh one: the
/// server's housekeeping never costs an email an attempt. Once the server has accepted MAIL FROM the session was
/// alive, and whatever fails afterwards is the send's own failure, thrown to the caller: the server may already have
/// the message, and it is never sent a second time here.
/// </remarks>
public sealed partial class SmtpSender(IOptions<EmailOptions> options, TimeProvider clock, ILogger<SmtpSender> logger) : IDisposable
{
    private readonly EmailOptions _options = options.Value;
    private readonly ConcurrentBag<(PooledSmtpClient Client, long IdleSince)> _idle = [];
    // A server that closed one idle session has most likely closed them all (its idle timeout, a restart, a NAT that
    // forgot the flows): the sessions already idle when one is found closed are dropped unused, not tried one by one.
    private long _closedIfIdleSince = long.MinValue;

    public MailboxAddress From => MailboxAddress.Parse(_options.From);

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
        var (client, idleSince) = await RentAsync(cancellationToken);
        activity?.SetTag("offload.smtp.session_reused", idleSince is not null);
        try
        {
            try
            {
                await client.SendOnceAsync(message, cancellationToken);
            }
            catch (Exception ex) when (idleSince is { } since && client.IsStale(ex))
            {
                LogStaleSession(logger, clock.GetElapsedTime(since).TotalMilliseconds, ex.GetType().Name, ex.Message);
                activity?.AddEvent(new ActivityEvent("smtp.stale_session", tags: new() { ["error.type"] = ex.GetType().FullName }));
                var found = clock.GetTimestamp();
                for (var seen = Volatile.Read(ref _closedIfIdleSince); found > seen; seen = Volatile.Read(ref _closedIfIdleSince))
                    Interlocked.CompareExchange(ref _closedIfIdleSince, found, seen);
                client.Dispose();
                client = await ConnectAsync(cancellationToken);
                await client.SendOnceAsync(message, cancellationToken);
            }
        }
        catch
        {
            client.Dispose();
            throw;
        }

        Return(client);
    }

    /// <summary>A pooled session young enough to trust (and when it went idle), or a fresh one (no idle time).</summary>
    private async Task<(PooledSmtpClient Client, long? IdleSince)> RentAsync(CancellationToken cancellationToken)
    {
        while (_idle.TryTake(out var idle))
        {
            if (idle.Client.IsConnected && clock.GetElapsedTime(idle.IdleSince) < _options.SmtpIdleTimeout
                && idle.IdleSince > Volatile.Read(ref _closedIfIdleSince))
                return (idle.Client, idle.IdleSince);
            idle.Client.Dispose();
        }

        return (await ConnectAsync(cancellationToken), null);
    }

    private async Task<PooledSmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new PooledSmtpClient { Timeout = 30_000 };
        try
        {
            await client.ConnectAsync(_options.SmtpHost, _options.SmtpPort,
                _options.UseStartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, cancellationToken);
            if (!string.IsNullOrEmpty(_options.SmtpUser))
                await client.AuthenticateAsync(_options.SmtpUser, _options.SmtpPassword ?? "", cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private void Return(PooledSmtpClient client)
    {
        if (client.IsConnected && _idle.Count < _options.MaxIdleConnections)
            _idle.Add((client, clock.GetTimestamp()));
        else
            client.Dispose();
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var idle))
            idle.Client.Dispose();
    }

    /// <summary>A MailKit client that knows whether the server accepted the sender of the message being sent.</summary>
    private sealed class PooledSmtpClient : SmtpClient
    {
        private bool _senderAccepted;

        public Task SendOnceAsync(MimeMessage message, CancellationToken cancellationToken)
        {
            _senderAccepted = false;
            return SendAsync(message, cancellationToken);
        }

        /// <summary>
        /// The session was dead before this message began: the server closed it while it waited (421, EOF, reset,
        /// or MailKit already knew it was disconnected), and nothing of the message can have been accepted.
        /// </summary>
        public bool IsStale(Exception ex) =>
            !_senderAccepted
            && ex is ServiceNotConnectedException or SmtpProtocolException or IOException or SocketException
                or SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable };

        protected override void OnSenderAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
        {
            _senderAccepted = true;
            base.OnSenderAccepted(message, mailbox, response);
        }
    }

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information,
        Message = "The mail server had closed a pooled SMTP session idle for {IdleMs:0} ms ({Exception}: {Reason}): sending on a fresh session, no attempt spent")]
    private static partial void LogStaleSession(ILogger logger, double idleMs, string exception, string reason);
}
