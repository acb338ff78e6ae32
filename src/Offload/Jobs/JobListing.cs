using Azure;
using Azure.Data.Tables;

namespace Offload.Jobs;

/// <summary>
/// A job's row in the list of every job, newest first: <c>list|{inverted creation ticks}|{id}</c> in the job's shard
/// (<see cref="JobRows"/>), with what the list filters and shows. The job's creation writes it and each move rewrites
/// it, in the same transactions as the job (one storage operation, never one without the other); the clean-up deletes
/// it with the job (<see cref="Retention"/>). Table Storage returns a partition's rows in key order, so a range of
/// these keys is a time window, newest first, and a status, kind or owner is a filter on it.
/// </summary>
/// <remarks>
/// A change that is not a move (progress, a renewed lease) does not touch it: the list shows where a job is, the job
/// itself how far. Jobs stored before the shards, and jobs that ended before this row existed, are not in it.
/// </remarks>
public sealed class JobListing : ITableEntity
{
    /// <summary>How much of a job's error the row keeps: enough to read in a list.</summary>
    public const int ErrorLength = 300;

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Kind { get; set; } = "";
    public string Status { get; set; } = "";
    public string? Owner { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public int Attempts { get; set; }
    public string? Error { get; set; }
    public string? Worker { get; set; }

    /// <summary>Whether the job is a part of another (<see cref="JobParts"/>): always written, so a filter can leave parts out.</summary>
    public bool Part { get; set; }
    public string? ParentId { get; set; }

    public string JobId => JobRows.IdOfMarker(RowKey);

    /// <summary>The row of <paramref name="job"/> as it is now, for the transaction that stores or moves it.</summary>
    public static JobListing For(Job job) => new()
    {
        PartitionKey = job.PartitionKey,
        RowKey = JobRows.ListKey(job.CreatedAt, job.Id),
        Kind = job.Kind,
        Status = job.Status,
        Owner = job.Owner,
        CreatedAt = job.CreatedAt,
        UpdatedAt = job.UpdatedAt,
        CompletedAt = job.CompletedAt,
        Attempts = job.Attempts,
        Error = job.Error is { Length: > ErrorLength } error ? error[..(ErrorLength - 1)] + "…" : job.Error,
        Worker = job.Worker,
        Part = job.ParentId is not null,
        ParentId = job.ParentId,
    };
}
