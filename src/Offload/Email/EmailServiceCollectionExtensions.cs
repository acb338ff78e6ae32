using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Quotas;

namespace Offload.Email;

public static class EmailServiceCollectionExtensions
{
    /// <summary>Email: the API, templates, SMTP, and the <c>email</c> kind of work that sends them on <c>high-priority</c>.</summary>
    public static IServiceCollection AddEmail(this IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new EmailLinks(sp.GetRequiredService<IOptions<EmailOptions>>().Value.LinkHosts));
        services.AddSingleton<EmailTemplateSources>();
        services.AddSingleton(sp => sp.GetRequiredService<EmailTemplateSources>().Load());
        services.AddHostedService<EmailTemplatesStartup>();
        services.AddSingleton<SmtpSender>();

        services.AddJobKind<EmailPayload, SendEmailHandler>(EmailJob.Kind, QueueNames.HighPriority, kind =>
        {
            kind.Retry = sp => sp.GetRequiredService<IOptions<EmailOptions>>().Value.Retry;
            // Another send is a new email: it counts like one against the caller's and the recipient's quotas.
            kind.ChargeRetry = retry => retry.Services.GetRequiredService<OwnerQuotas>()
                .TakeEmailAsync(retry.Caller, MimeKit.MailboxAddress.Parse(retry.Payload.To).Address, retry.Payload.Template, retry.CancellationToken);
            kind.LegacyRow = EmailJob.FromLegacyRow;
            kind.View = EmailJobView.From;
            kind.Events[JobStatus.Succeeded] = "email.delivered";
            kind.Events[JobStatus.Failed] = "email.failed";
        });

        services.AddSingleton<QueueEmailHandler>();
        services.AddSingleton<GetEmailHandler>();
        services.AddSingleton<EmailApi>();
        services.AddSingleton<EmailTemplatesApi>();
        return services;
    }
}
