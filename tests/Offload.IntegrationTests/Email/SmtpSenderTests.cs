using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Offload.Email;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Email;

/// <summary>
/// The SMTP session pool against a real SMTP server (npm smtp-server) that closes idle sessions within a second or
/// two, the way mail servers do after a minute: a reused session the server closed costs nothing, and a message
/// the server may already have is never sent twice.
/// </summary>
public sealed class SmtpSenderTests
{
    private readonly CapturedLogs _logs = new();

    private SmtpSender Sender(IdleSmtpServer server, TimeSpan idleTimeout, TimeProvider? clock = null) =>
        new(Options.Create(new EmailOptions { SmtpPort = server.Port, SmtpIdleTimeout = idleTimeout }),
            clock ?? TimeProvider.System, new LoggerFactory([_logs]).CreateLogger<SmtpSender>());

    private static MimeMessage Message(string to)
    {
        var message = new MimeMessage { Subject = to, Body = new TextPart("plain") { Text = "Hello" } };
        message.From.Add(MailboxAddress.Parse("no-reply@offload.localhost"));
        message.To.Add(MailboxAddress.Parse(to));
        return message;
    }

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}@example.com";

    [Theory]
    [InlineData(IdleClose.Reply421)]
    [InlineData(IdleClose.Eof)]
    [InlineData(IdleClose.Reset)]
    public async Task AReusedSessionTheServerClosed_IsReplacedAtOnce_AndTheMessageGoesOut(IdleClose close)
    {
        await using var server = await IdleSmtpServer.StartAsync(TimeSpan.FromSeconds(1), close);
        using var sender = Sender(server, idleTimeout: TimeSpan.FromMinutes(10)); // trusts the pooled session
        await sender.SendAsync(Message(Unique("first")), CancellationToken.None);
        await server.WaitForAsync(e => e.Event == "idle-close");
        await server.WaitForAsync(e => e.Event == "close");

        var second = Unique("second");
        await sender.SendAsync(Message(second), CancellationToken.None);

        Assert.Single(await server.WaitForAsync(e => e.Event == "message" && e.To.Contains(second)));
        Assert.Equal(2, server.Events.Count(e => e.Event == "connect"));
        Assert.Single(_logs.Entries, e => e.EventId.Id == 3104);
    }

    [Fact]
    public async Task APoolOfSessionsTheServerClosed_CostsOneWastedRoundTrip_NotOnePerSession()
    {
        await using var server = await IdleSmtpServer.StartAsync(TimeSpan.FromSeconds(1));
        using var sender = Sender(server, idleTimeout: TimeSpan.FromMinutes(10));
        await BurstAsync(sender, "burst");
        var pooled = server.Events.Count(e => e.Event == "connect");
        Assert.NotEmpty(await server.WaitForAllSessionsClosedAsync());

        await sender.SendAsync(Message(Unique("first-after")), CancellationToken.None); // finds the pool closed
        await BurstAsync(sender, "later"); // the older sessions are dropped unused, not tried one by one

        Assert.Equal(9, (await server.WaitForAsync(e => e.Event == "message", count: 9)).Count);
        Assert.InRange(pooled, 2, 4);
        Assert.Single(_logs.Entries, e => e.EventId.Id == 3104);
    }

    private static Task BurstAsync(SmtpSender sender, string name) =>
        Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => sender.SendAsync(Message(Unique($"{name}{i}")), CancellationToken.None))));

    [Fact]
    public async Task AReusedSessionThatBreaksAfterTheMessageWentOut_IsNotSentAgain()
    {
        await using var server = await IdleSmtpServer.StartAsync(TimeSpan.FromMinutes(5));
        using var sender = Sender(server, idleTimeout: TimeSpan.FromMinutes(5));
        await sender.SendAsync(Message(Unique("first")), CancellationToken.None);

        // The server takes the whole message, then the connection breaks before its final reply: it may well deliver it.
        var broken = Unique("reset-after-data");
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => sender.SendAsync(Message(broken), CancellationToken.None));
        var after = Unique("after");
        await sender.SendAsync(Message(after), CancellationToken.None);
        await server.WaitForAsync(e => e.Event == "message" && e.To.Contains(after)); // the server writes its events in order

        Assert.True(ex is IOException or SmtpProtocolException or ServiceNotConnectedException, ex.ToString());
        Assert.Single(server.Messages, e => e.To.Contains(broken));
        Assert.DoesNotContain(_logs.Entries, e => e.EventId.Id == 3104);
    }

    [Fact]
    public async Task ASessionIdleLongerThanSmtpIdleTimeout_IsNotReused()
    {
        await using var server = await IdleSmtpServer.StartAsync(TimeSpan.FromMinutes(5));
        var clock = new ManualClock();
        using var sender = Sender(server, idleTimeout: TimeSpan.FromSeconds(5), clock);

        await sender.SendAsync(Message(Unique("one")), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(4));
        await sender.SendAsync(Message(Unique("two")), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(6));
        await sender.SendAsync(Message(Unique("three")), CancellationToken.None);

        await server.WaitForAsync(e => e.Event == "message", count: 3);
        var sessions = server.Messages.Select(m => m.Session).ToList();
        Assert.Equal(sessions[0], sessions[1]);
        Assert.NotEqual(sessions[1], sessions[2]);
        Assert.Equal(2, server.Events.Count(e => e.Event == "connect"));
    }

    /// <summary>Time that moves only when told to.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
