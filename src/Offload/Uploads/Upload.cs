using Azure;
using Azure.Data.Tables;

namespace Offload.Uploads;

/// <summary>
/// A direct upload that has been promised but not submitted yet: what the client declared, kept beside the job in
/// the same partition (table <c>jobs</c>, partition = id, row = <see cref="RowKeyValue"/>). It is not a job: the job
/// exists from the submit on.
/// </summary>
public sealed class Upload : ITableEntity
{
    public const string RowKeyValue = "upload";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = RowKeyValue;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? FileName { get; set; }
    public string ContentType { get; set; } = "";
    public long DeclaredSizeBytes { get; set; }
    public string? Notify { get; set; }
    /// <summary>Who asked for the upload link: only they (or an admin) may submit it, and the job is theirs.</summary>
    public string? Owner { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset LinkExpiresAt { get; set; }
}
