using Offload.Idempotency;
using Offload.Access;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Quotas;

namespace Offload.Email;

/// <summary>
/// An email to send later, from a template and its model, for <paramref name="Owner"/>. <paramref name="JobId"/> fixes
/// the id (for once-only notifications); <paramref name="IdempotencyKey"/> makes a repeated request return the first
/// one's job.
/// </summary>
public sealed record QueueEmailCommand(
    string Owner, string? To, string? Template, IReadOnlyDictionary<string, string>? Model, string? JobId = null, string? IdempotencyKey = null,
    Caller? Requester = null);

public abstract record QueueEmailResult
{
    /// <summary>The job; <paramref name="Replayed"/> when an earlier request with the same Idempotency-Key made it.</summary>
    public sealed record Accepted(Job Job, bool Replayed = false) : QueueEmailResult;
    /// <summary>The request is unusable; <see cref="Field"/> names the JSON field at fault.</summary>
    public sealed record Invalid(string Field, string Message) : QueueEmailResult;
    /// <summary>The Idempotency-Key was first used with a different request.</summary>
    public sealed record KeyReused : QueueEmailResult;
    /// <summary>The requester, or the recipient, is over a quota: nothing was stored.</summary>
    public sealed record OverQuota(QuotaRefusal Refusal) : QueueEmailResult;
}

/// <summary>
/// Validates an email request, writes the email job and puts only its id on <c>high-priority</c>: the web request
/// never waits for SMTP, and an encode backlog on <c>heavy-compute</c> never delays it.
/// </summary>
public sealed class QueueEmailHandler(
    JobStore jobs, JobQueue queue, IdempotencyKeys keys, EmailTemplates templates, EmailLinks links, OwnerQuotas quotas)
{
    private const string KeyScope = "emails";

    public async Task<QueueEmailResult> HandleAsync(QueueEmailCommand command, CancellationToken cancellationToken)
    {
        if (!EmailAddress.TryParse(command.To, out var to))
            return new QueueEmailResult.Invalid("to", $"'to' must be {EmailAddress.Requirement}.");
        if (!templates.Exists(command.Template))
            return new QueueEmailResult.Invalid("template", $"'template' must be one of: {string.Join(", ", templates.Names.Order(StringComparer.Ordinal))}.");

        var model = command.Model?.ToDictionary() ?? [];
        if (templates.Validate(command.Template!, model, links) is { } problem)
            return new QueueEmailResult.Invalid(problem.Field, problem.Message);

        var email = new EmailPayload(to.ToString(), command.Template!, new SortedDictionary<string, string>(model, StringComparer.Ordinal));
        if (command.IdempotencyKey is not { } key)
            return await CreateCountedAsync(command, to.Address, email, cancellationToken);

        var fingerprint = IdempotencyKeys.Fingerprint(email.To, email.Template, EmailTemplates.Serialize(model));
        var id = JobId.New();
        // A repeated request is answered from its record and counts against no quota; a new one does, before it takes
        // the key (so its count is a write of its own, not part of the job's creation).
        var first = await keys.FindAsync(command.Owner, KeyScope, key, cancellationToken);
        if (first is null && command.Requester is { } requester
            && await quotas.TakeEmailAsync(requester, to.Address, command.Template!, cancellationToken) is { } refusal)
        {
            return new QueueEmailResult.OverQuota(refusal);
        }

        first ??= await keys.TryClaimAsync(command.Owner, KeyScope, key, fingerprint, id, cancellationToken);
        if (first is null)
            return new QueueEmailResult.Accepted(await CreateAsync(id, command.Owner, email, cancellationToken));
        if (first.Fingerprint != fingerprint)
            return new QueueEmailResult.KeyReused();
        // The first request's job; written here should that request have died between taking the key and writing it.
        return new QueueEmailResult.Accepted(await CreateAsync(first.JobId, command.Owner, email, cancellationToken), Replayed: true);
    }

    /// <summary>
    /// An email without an Idempotency-Key. An API request counts against its requester's quotas and the
    /// recipient's, the recipient's in the job's own creation (its id is in the counter's shard); the app's own
    /// notifications do not count (the video did).
    /// </summary>
    private async Task<QueueEmailResult> CreateCountedAsync(QueueEmailCommand command, string to, EmailPayload email, CancellationToken cancellationToken)
    {
        if (command.Requester is not { } requester)
            return new QueueEmailResult.Accepted(await CreateAsync(command.JobId ?? JobId.New(), command.Owner, email, cancellationToken));

        var id = OwnerQuotas.NewEmailId(to, email.Template);
        Job? job = null;
        var refusal = await quotas.TakeEmailAsync(requester, to, email.Template,
            async counted => job = await CreateAsync(id, command.Owner, email, cancellationToken, counted), cancellationToken);
        return refusal is null ? new QueueEmailResult.Accepted(job!) : new QueueEmailResult.OverQuota(refusal);
    }

    /// <summary>Writes the job and queues its id, once only by its id (<see cref="JobQueue.SubmitAsync"/>).</summary>
    private async Task<Job> CreateAsync(string id, string owner, EmailPayload email, CancellationToken cancellationToken, ShardRow? counted = null) =>
        (await queue.SubmitAsync(Job.New(id, EmailJob.Kind, owner, jobs.Now, email), $"Accepted: template '{email.Template}'.", cancellationToken, counted)).Job;
}
