using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Offload.Jobs;

namespace Offload.Email;

/// <summary>
/// The work of an <c>email</c> job: renders its template and sends it over SMTP. A recipient the server rejects for
/// good (5xx) fails the job at once; connection faults and 4xx answers are retried.
/// </summary>
public sealed partial class SendEmailHandler(EmailTemplates templates, SmtpSender smtp, IOptions<EmailOptions> options, ILogger<SendEmailHandler> logger)
    : IJobHandler<EmailPayload>
{
    public async Task<JobResult> RunAsync(EmailPayload email, JobContext context, CancellationToken cancellationToken)
    {
        // Templates are files now: one can be gone after a restart, and no attempt would find it.
        if (!templates.Exists(email.Template))
            throw new PermanentJobException($"The email template '{email.Template}' no longer exists: restore it, then retry the email.");

        var rendered = templates.Render(email.Template, email.Model);
        var mime = new MimeMessage
        {
            Subject = rendered.Subject,
            Body = new BodyBuilder { TextBody = rendered.Text, HtmlBody = rendered.Html }.ToMessageBody(),
        };
        mime.From.Add(smtp.From);
        mime.To.Add(MailboxAddress.Parse(email.To));
        mime.Headers.Add("X-Offload-Job", context.JobId);

        try
        {
            // A run that was fenced, taken over or cancelled before the send does not send: another worker may.
            cancellationToken.ThrowIfCancellationRequested();
            // Not stopped with the host: a send takes moments (at most the SMTP timeout), and one cut off after the
            // server took the message would be sent again by the next attempt.
            await smtp.SendAsync(mime, CancellationToken.None);
        }
        catch (SmtpCommandException ex) when ((int)ex.StatusCode >= 500)
        {
            LogRefused(logger, options.Value.SmtpHost, options.Value.SmtpPort, (int)ex.StatusCode, ex);
            throw new PermanentJobException($"The mail server refused the message for good (SMTP {(int)ex.StatusCode}).", ex);
        }
        catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or ServiceNotConnectedException
                                       or AuthenticationException or SocketException or IOException or TimeoutException)
        {
            LogSendFailed(logger, options.Value.SmtpHost, options.Value.SmtpPort, options.Value.SmtpUser ?? "", ex);
            throw new TransientJobException(Describe(ex), ex);
        }

        LogSent(logger, email.Template);
        return new JobResult("Sent: the mail server accepted the message.");
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

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Email '{Template}' sent: the mail server accepted it")]
    private static partial void LogSent(ILogger logger, string template);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Sending through the mail server {SmtpHost}:{SmtpPort} as '{SmtpUser}' failed")]
    private static partial void LogSendFailed(ILogger logger, string smtpHost, int smtpPort, string smtpUser, Exception exception);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "The mail server {SmtpHost}:{SmtpPort} refused the message for good: SMTP {StatusCode}")]
    private static partial void LogRefused(ILogger logger, string smtpHost, int smtpPort, int statusCode, Exception exception);
}
