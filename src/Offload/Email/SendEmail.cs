using System.Net.Sockets;
using System.Text.Json;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Telemetry;

namespace Offload.Email;

/// <summary>One delivery of a <c>high-priority</c> message.</summary>
public sealed record SendEmailCommand(string Message, long DequeueCount);

/// <summary>
/// The email worker: claims the email job, renders its template and sends it over SMTP. A recipient the server
/// rejects for good (5xx) fails the job at once; connection faults and 4xx answers are retried.
/// </summary>
public sealed partial class SendEmailHandler(
    JobWorker worker, EmailTemplates templates, SmtpSender smtp, IOptions<EmailOptions> options, ILogger<SendEmailHandler> logger)
{
    public async Task HandleAsync(SendEmailCommand command, CancellationToken cancellationToken)
    {
        if (await worker.ReadAsync(QueueNames.HighPriority, command.Message, cancellationToken) is not { } message)
            return;

        using var delivery = JobTracing.BeginDelivery(QueueNames.HighPriority, message, logger);
        await worker.RunAsync(QueueNames.HighPriority, JobKinds.Email, message, command.Message, options.Value.Retry, SendAsync, cancellationToken);
    }

    private async Task SendAsync(JobRun run)
    {
        var job = run.Job;
        if (!templates.Exists(job.EmailTemplate))
        {
            // Templates are files now: one can be gone after a restart. No attempt would find it.
            await run.FailAsync($"The email template '{job.EmailTemplate}' no longer exists: restore it, then retry the email.");
            return;
        }

        var model = JsonSerializer.Deserialize<Dictionary<string, string>>(job.EmailModel ?? "{}") ?? [];
        var rendered = templates.Render(job.EmailTemplate!, model);
        var mime = new MimeMessage
        {
            Subject = rendered.Subject,
            Body = new BodyBuilder { TextBody = rendered.Text, HtmlBody = rendered.Html }.ToMessageBody(),
        };
        mime.From.Add(smtp.From);
        mime.To.Add(MailboxAddress.Parse(job.EmailTo!));
        mime.Headers.Add("X-Offload-Job", job.Id);

        try
        {
            // A run that was fenced, taken over or cancelled before the send does not send: another worker may.
            run.Token.ThrowIfCancellationRequested();
            // Not stopped with the host: a send takes moments (at most the SMTP timeout), and one cut off after the
            // server took the message would be sent again by the next attempt.
            await smtp.SendAsync(mime, CancellationToken.None);
        }
        catch (SmtpCommandException ex) when ((int)ex.StatusCode >= 500)
        {
            LogRefused(logger, options.Value.SmtpHost, options.Value.SmtpPort, (int)ex.StatusCode, ex);
            await run.FailAsync($"The mail server refused the message for good (SMTP {(int)ex.StatusCode}).");
            return;
        }
        catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or ServiceNotConnectedException
                                       or AuthenticationException or SocketException or IOException or TimeoutException)
        {
            LogSendFailed(logger, options.Value.SmtpHost, options.Value.SmtpPort, options.Value.SmtpUser ?? "", ex);
            await run.RetryLaterAsync(Describe(ex), ex);
            return;
        }

        if (await run.SucceedAsync("Sent: the mail server accepted the message.", j => j.Progress = 100) is { } sent)
            LogSent(logger, job.EmailTemplate!, (sent.CompletedAt - sent.CreatedAt)?.TotalMilliseconds ?? 0);
    }

    /// <summary>
    /// The reason a caller sees (the job's error): what went wrong and which setting to look at, never the mail
    /// server's host, the login or the server's own words, which may name internal machines. Those are in the log.
    /// </summary>
    private static string Describe(Exception ex) => ex switch
    {
        SmtpCommandException command => $"The mail server answered SMTP {(int)command.StatusCode}.",
        // Retried: the settings may be fixed meanwhile.
        AuthenticationException => "The mail server refused the login: check Email__SmtpUser and Email__SmtpPassword.",
        SocketException or ServiceNotConnectedException => "The mail server could not be reached.",
        TimeoutException => "The mail server did not answer in time.",
        _ => "The connection to the mail server broke off.",
    };

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Email '{Template}' sent, {LatencyMs:0} ms after it was queued")]
    private static partial void LogSent(ILogger logger, string template, double latencyMs);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Sending through the mail server {SmtpHost}:{SmtpPort} as '{SmtpUser}' failed")]
    private static partial void LogSendFailed(ILogger logger, string smtpHost, int smtpPort, string smtpUser, Exception exception);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "The mail server {SmtpHost}:{SmtpPort} refused the message for good: SMTP {StatusCode}")]
    private static partial void LogRefused(ILogger logger, string smtpHost, int smtpPort, int statusCode, Exception exception);
}
