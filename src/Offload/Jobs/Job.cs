using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace Offload.Jobs;

/// <summary>
/// One job row in Table Storage (table <c>jobs</c>, in its shard: <see cref="JobRows"/>). Its history rows
/// (<see cref="JobEvent"/>) and its index rows sit beside it, so a move and all it implies are one transaction.
/// </summary>
public sealed class Job : ITableEntity
{
    /// <summary>The row key of a job stored before <see cref="JobRows"/>' layout, in a partition of its own (its id).</summary>
    public const string LegacyRowKey = "job";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    [IgnoreDataMember]
    public string Id => JobRows.IdOfJobKey(RowKey) ?? PartitionKey;
    /// <summary>Which registered kind of work this is (<see cref="JobKind"/>): it says which handler runs it, on which queue.</summary>
    public string Kind { get; set; } = "";
    public string Status { get; set; } = JobStatus.Queued;
    public int Progress { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    /// <summary>When a <c>retrying</c> job's next attempt is due.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }
    /// <summary>
    /// Until when the worker of a <c>processing</c> job holds it. The worker renews it while it runs; a lease that
    /// has run out means the worker died, and the job may be claimed again.
    /// </summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    /// <summary>Which run holds the lease: lets a worker tell its own earlier write from another worker's.</summary>
    public string? LeaseOwner { get; set; }
    /// <summary>How many history rows the job has (the sequence number of the last <see cref="JobEvent"/>).</summary>
    public int EventCount { get; set; }
    /// <summary>How often a stopping host handed the job back (a deploy, a scale-in): the first few cost no attempt.</summary>
    public int HandBacks { get; set; }
    /// <summary>How often a person sent the failed or cancelled job through again.</summary>
    public int Retries { get; set; }
    public string? Error { get; set; }
    /// <summary>Who made the job (<see cref="Access.Caller.OwnerId"/>): only they, and admins, can see it.</summary>
    public string? Owner { get; set; }

    /// <summary>
    /// What the job's kind needs to do its work, as JSON (<see cref="JobPayload"/>): a video's source, an email's
    /// recipient and template. Versioned by <see cref="PayloadVersion"/>, so a worker knows a payload it can read.
    /// </summary>
    public string? Payload { get; set; }
    public int PayloadVersion { get; set; }

    /// <summary>What the work produced, as JSON, written by the move to succeeded (a video's output and its blob).</summary>
    public string? Result { get; set; }

    /// <summary>The worker that claimed the job last (<see cref="JobClaim.WorkerName"/>): where it ran.</summary>
    public string? Worker { get; set; }

    /// <summary>
    /// How many parts its latest split made (<see cref="JobParts"/>, 0 for a job never split), the split's key (which
    /// of the job's runs made them: their ids come from it), and which have succeeded: one character a part, '1' once
    /// it has, '0' before.
    /// </summary>
    public int PartCount { get; set; }
    public string? PartsKey { get; set; }
    public string? PartsDone { get; set; }

    /// <summary>For a part: the job it is a part of, its place among the parts (from 0) and its share of the work.</summary>
    public string? ParentId { get; set; }
    public int PartIndex { get; set; }
    public long PartWeight { get; set; }

    [IgnoreDataMember]
    public bool IsFinal => JobStatus.IsFinal(Status);

    /// <summary>A new queued job of <paramref name="kind"/> with its payload.</summary>
    public static Job New<TPayload>(string id, string kind, string owner, DateTimeOffset now, TPayload payload)
        where TPayload : IJobPayload => new()
    {
        PartitionKey = JobRows.ShardOf(id),
        RowKey = JobRows.JobKey(id),
        Kind = kind,
        Owner = owner,
        Status = JobStatus.Queued,
        CreatedAt = now,
        UpdatedAt = now,
        Payload = JobPayload.Serialize(payload),
        PayloadVersion = TPayload.Version,
    };

    /// <summary>The job's payload as <typeparamref name="TPayload"/>; <c>null</c> when it has none or another version.</summary>
    public TPayload? PayloadAs<TPayload>() where TPayload : class, IJobPayload =>
        Payload is { } json && PayloadVersion == TPayload.Version ? JobPayload.Deserialize<TPayload>(json) : null;

    /// <summary>The job's result as <typeparamref name="TResult"/>; <c>null</c> before it succeeded.</summary>
    public TResult? ResultAs<TResult>() where TResult : class =>
        Result is { } json ? JobPayload.Deserialize<TResult>(json) : null;

    public Job Copy() => (Job)MemberwiseClone();
}
