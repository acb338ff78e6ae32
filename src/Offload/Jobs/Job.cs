using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;

namespace Offload.Jobs;

/// <summary>
/// One job row in Table Storage (table <c>jobs</c>, partition = job id, row = <see cref="RowKeyValue"/>).
/// A partition per job spreads load and keeps the job's history rows (<see cref="JobEvent"/>) beside it, so a move
/// and its history row are written in one transaction.
/// </summary>
public sealed class Job : ITableEntity
{
    public const string RowKeyValue = "job";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = RowKeyValue;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    [IgnoreDataMember]
    public string Id => PartitionKey;
    public string Kind { get; set; } = JobKinds.Video;
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
    public string? Notify { get; set; }
    /// <summary>Who made the job (<see cref="Access.Caller.OwnerId"/>): only they, and admins, can see it.</summary>
    public string? Owner { get; set; }

    public string? SourceFileName { get; set; }
    public string SourceContentType { get; set; } = "";
    public long SourceSizeBytes { get; set; }
    /// <summary>The snapshot of the source a direct upload's submit checked; the encoder reads only that version.</summary>
    public string? SourceSnapshot { get; set; }

    /// <summary>
    /// The blob in <c>outputs</c> that is the job's result, written by the run that succeeded
    /// (<see cref="Storage.StorageNames.OutputBlobName"/>); <c>null</c> for rows from before outputs were named per run.
    /// </summary>
    public string? OutputBlobName { get; set; }
    public long? OutputSizeBytes { get; set; }
    public double? OutputDurationSeconds { get; set; }
    public int? OutputWidth { get; set; }
    public int? OutputHeight { get; set; }
    public string? OutputVideoCodec { get; set; }
    public string? OutputAudioCodec { get; set; }

    public string? EmailTo { get; set; }
    public string? EmailTemplate { get; set; }
    /// <summary>The template model as a JSON object of strings.</summary>
    public string? EmailModel { get; set; }

    [IgnoreDataMember]
    public bool IsFinal => JobStatus.IsFinal(Status);

    public static Job New(string id, string kind, string owner, DateTimeOffset now) => new()
    {
        PartitionKey = id,
        Kind = kind,
        Owner = owner,
        Status = JobStatus.Queued,
        CreatedAt = now,
        UpdatedAt = now,
    };

    public Job Copy() => (Job)MemberwiseClone();
}

public static class JobKinds
{
    public const string Video = "video";
    public const string Email = "email";
}
