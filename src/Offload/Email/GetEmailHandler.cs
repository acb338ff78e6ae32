using Offload.Access;
using Offload.Jobs;

namespace Offload.Email;

/// <summary>An email job as the API shows it, with its history. The recipient and model are not echoed back.</summary>
public sealed record EmailJobView(
    string Id, string Status, string Template, int Attempts,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt, DateTimeOffset? NextAttemptAt, string? Error,
    IReadOnlyList<JobEventView> Events)
{
    public static EmailJobView From(Job job, IEnumerable<JobEvent> history) => new(
        job.Id, job.Status, job.PayloadAs<EmailPayload>()?.Template ?? "", job.Attempts, job.CreatedAt, job.UpdatedAt, job.CompletedAt,
        job.Status == JobStatus.Retrying ? job.NextAttemptAt : null, job.Error, history.Select(JobEventView.From).ToList());
}

/// <summary>Reads one email job with its history; <c>null</c> when the caller has none with that id.</summary>
public sealed class GetEmailHandler(JobStore jobs)
{
    public async Task<EmailJobView?> HandleAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var job = await jobs.FindAsync(id, EmailJob.Kind, caller, cancellationToken);
        return job is null ? null : EmailJobView.From(job, await jobs.GetHistoryAsync(id, cancellationToken));
    }
}
