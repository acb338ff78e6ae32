using System.Text.Json;
using Azure;
using MimeKit;
using Offload.Jobs;
using Offload.Messaging;

namespace Offload.Email;

/// <summary>An email to send later, from a template and its model. <paramref name="JobId"/> fixes the id (for once-only notifications).</summary>
public sealed record QueueEmailCommand(string? To, string? Template, IReadOnlyDictionary<string, string>? Model, string? JobId = null);

public abstract record QueueEmailResult
{
    public sealed record Accepted(Job Job) : QueueEmailResult;
    /// <summary>The request is unusable; <see cref="Field"/> names the JSON field at fault.</summary>
    public sealed record Invalid(string Field, string Message) : QueueEmailResult;
}

/// <summary>
/// Validates an email request, writes the email job and puts only its id on <c>high-priority</c>: the web request
/// never waits for SMTP, and an encode backlog on <c>heavy-compute</c> never delays it.
/// </summary>
public sealed class QueueEmailHandler(JobStore jobs, JobQueue queue)
{
    public async Task<QueueEmailResult> HandleAsync(QueueEmailCommand command, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(command.To) || !MailboxAddress.TryParse(command.To, out var to) || !to.Address.Contains('@', StringComparison.Ordinal))
            return new QueueEmailResult.Invalid("to", "'to' must be an email address.");
        if (!EmailTemplates.Exists(command.Template))
            return new QueueEmailResult.Invalid("template", $"'template' must be one of: {string.Join(", ", EmailTemplates.Names)}.");

        var model = command.Model ?? new Dictionary<string, string>();
        if (EmailTemplates.Validate(command.Template!, model) is { } problem)
            return new QueueEmailResult.Invalid(problem.Field, problem.Message);

        var job = Job.New(command.JobId ?? JobId.New(), JobKinds.Email, jobs.Now);
        job.EmailTo = to.ToString();
        job.EmailTemplate = command.Template;
        job.EmailModel = JsonSerializer.Serialize(model);
        try
        {
            await jobs.CreateAsync(job, $"Accepted: template '{job.EmailTemplate}'.", cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409 && command.JobId is not null)
        {
            // Already created by an earlier call: once only. Its message may have died with that call, so a job
            // still queued gets it again (a duplicate is harmless).
            var existing = (await jobs.GetAsync(job.Id, cancellationToken))!;
            if (existing.Status == JobStatus.Queued)
                await queue.EnqueueAsync(QueueNames.HighPriority, job.Id, cancellationToken);
            return new QueueEmailResult.Accepted(existing);
        }

        await queue.EnqueueAsync(QueueNames.HighPriority, job.Id, cancellationToken);
        return new QueueEmailResult.Accepted(job);
    }
}
