using Azure;
using Azure.Data.Tables;

namespace Offload.Jobs;

/// <summary>
/// One step of a job's history: the state it moved to, when, on which attempt, and why. Stored beside the job row
/// in the job's partition (row <c>job|{id}|event-00001</c>, … : <see cref="JobRows"/>) and written in the same
/// transaction as the move itself, so the history never misses or invents a transition.
/// </summary>
public sealed class JobEvent : ITableEntity
{
    /// <summary>The row keys of the history of a job stored before <see cref="JobRows"/>' layout: <c>event-00001</c> ….</summary>
    public const string LegacyRowKeyPrefix = "event-";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset At { get; set; }
    public string Status { get; set; } = "";
    public int Attempt { get; set; }
    public string Reason { get; set; } = "";

    /// <summary>
    /// A short code the work gave for how the step ended, for programs rather than people (an HTTP status a webhook
    /// endpoint answered, an SMTP reply code); <c>null</c> when it gave none.
    /// </summary>
    public string? Code { get; set; }

    public static JobEvent For(Job job, string reason, string? code = null) => new()
    {
        Code = code,
        PartitionKey = job.PartitionKey,
        RowKey = JobRows.EventKey(job, job.EventCount),
        At = job.UpdatedAt,
        Status = job.Status,
        Attempt = job.Attempts,
        Reason = reason,
    };
}

/// <summary>A history entry as the API shows it.</summary>
public sealed record JobEventView(DateTimeOffset At, string Status, int Attempt, string Reason, string? Code = null)
{
    public static JobEventView From(JobEvent e) => new(e.At, e.Status, e.Attempt, e.Reason, e.Code);
}
