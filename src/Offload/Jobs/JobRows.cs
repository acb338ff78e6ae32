namespace Offload.Jobs;

/// <summary>
/// Where a job's rows live in table <c>jobs</c>. A job, its history, its place in the index of unfinished jobs and its
/// expiry all sit in one of <see cref="ShardCount"/> partitions (the id's last hex digit), so every move of the job
/// writes all of them in one entity-group transaction: one storage operation, and never one without the other.
/// </summary>
/// <remarks>
/// Row keys, in one shard: <c>job|{id}</c> (the job), <c>job|{id}|event-00001</c> … (its history, right after it),
/// <c>active|{id}</c> (while it is unfinished: what the sweeper lists, <see cref="ActiveJobs"/>) and
/// <c>expires|{yyyyMMdd}|{id}</c> (once it is final: what the clean-up lists, <see cref="Retention"/>) and
/// <c>list|{inverted creation ticks}|{id}</c> (always: the list of jobs newest first, <see cref="JobListing"/>). A shard also
/// holds quota counters, <c>count|{window start ticks}|{hash}</c> (<see cref="Quotas.RateCounters"/>), in the shard of
/// their hash's first digit: a job whose id ends in that digit counts in its own creation's transaction. Sixteen
/// partitions spread the writes (each takes about 2,000 entities a second) and cost the sweeper sixteen small range
/// queries a sweep. Jobs stored before this layout keep theirs (<see cref="IsLegacy"/>): a partition of their own
/// (the id), rows <c>job</c> and <c>event-00001</c> …, indexed in tables <c>activejobs</c> and <c>jobexpiries</c>.
/// </remarks>
public static class JobRows
{
    public const int ShardCount = 16;
    private const string JobPrefix = "job|";
    private const string EventInfix = "|event-";
    public const string ActivePrefix = "active|";
    public const string ExpiresPrefix = "expires|";
    public const string CounterPrefix = "count|";
    public const string ListPrefix = "list|";

    /// <summary>Every shard's partition key.</summary>
    public static IReadOnlyList<string> Shards { get; } = [.. "0123456789abcdef".Select(c => ShardOf(c.ToString()))];

    /// <summary>The partition of the job with this id.</summary>
    public static string ShardOf(string jobId) => $"shard-{jobId[^1]}";

    /// <summary>The partition of the rows of a lower-case hex <paramref name="hash"/> (its first digit).</summary>
    public static string ShardOfHash(string hash) => $"shard-{hash[0]}";

    /// <summary>A new job id in the shard of <paramref name="hash"/>: the version 7 GUID with its last hex digit set to the hash's first.</summary>
    public static string NewIdInShardOf(string hash) => JobId.New()[..^1] + hash[0];

    public static string JobKey(string jobId) => JobPrefix + jobId;

    /// <summary>The id of a job row's key; <c>null</c> for any other row.</summary>
    public static string? IdOfJobKey(string rowKey) =>
        rowKey.StartsWith(JobPrefix, StringComparison.Ordinal) && !rowKey.Contains(EventInfix, StringComparison.Ordinal) ? rowKey[JobPrefix.Length..] : null;

    /// <summary>The row key of the history entry number <paramref name="sequence"/> of <paramref name="job"/>.</summary>
    public static string EventKey(Job job, int sequence) =>
        IsLegacy(job) ? $"{JobEvent.LegacyRowKeyPrefix}{sequence:D5}" : $"{JobPrefix}{job.Id}{EventInfix}{sequence:D5}";

    /// <summary>The range of row keys that holds the history of the job <paramref name="jobId"/> in its shard: [from, to).</summary>
    public static (string From, string To) EventRange(string jobId) => ($"{JobPrefix}{jobId}{EventInfix}", $"{JobPrefix}{jobId}|event.");

    /// <summary>The range of row keys of the job row and its history: [from, to) ('}' sorts after '|').</summary>
    public static (string From, string To) JobRange(string jobId) => (JobPrefix + jobId, $"{JobPrefix}{jobId}}}");

    public static string ActiveKey(string jobId) => ActivePrefix + jobId;

    /// <summary>The range of row keys of a shard's unfinished jobs: [from, to).</summary>
    public static (string From, string To) ActiveRange { get; } = (ActivePrefix, "active}");

    /// <summary>The filter of a range query in one partition: the rows whose key is in [from, to).</summary>
    public static string RangeFilter(string partition, (string From, string To) range) =>
        Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {range.From} and RowKey lt {range.To}");

    /// <summary>
    /// The key of a job's row in the list (<see cref="JobListing"/>): its creation time counted down from the end of
    /// time, so a shard's rows come newest first, then its id, which makes the key unique and the order total.
    /// </summary>
    public static string ListKey(DateTimeOffset createdAt, string jobId) => $"{ListPrefix}{NewestFirst(createdAt)}|{jobId}";

    /// <summary>The range of list keys of jobs created in [<paramref name="since"/>, <paramref name="until"/>): [from, to), newest first.</summary>
    public static (string From, string To) ListRange(DateTimeOffset? since, DateTimeOffset? until) =>
        (until is { } u ? $"{ListPrefix}{NewestFirst(u - TimeSpan.FromTicks(1))}" : ListPrefix,
         since is { } s ? $"{ListPrefix}{NewestFirst(s)}}}" : "list}");

    /// <summary>A time as 19 digits that sort newest first (its ticks counted down from the end of time): for keys listed newest first.</summary>
    public static string NewestFirst(DateTimeOffset time) =>
        (DateTimeOffset.MaxValue.UtcTicks - time.UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture);

    public static string ExpiresKey(string day, string jobId) => $"{ExpiresPrefix}{day}|{jobId}";

    /// <summary>The row of a counter's window that starts at <paramref name="start"/>.</summary>
    public static string CounterKey(DateTimeOffset start, string hash) =>
        $"{CounterPrefix}{start.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture)}|{hash}";

    /// <summary>The range of row keys of a shard's counter windows that started before <paramref name="cutoff"/>: [from, to).</summary>
    public static (string From, string To) CountersBefore(DateTimeOffset cutoff) =>
        (CounterPrefix, CounterPrefix + cutoff.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A job stored before this layout: its partition is its id.</summary>
    public static bool IsLegacy(Job job) => job.RowKey == Job.LegacyRowKey;

    /// <summary>The id in an <c>active|</c> or <c>expires|day|</c> row key.</summary>
    public static string IdOfMarker(string rowKey) => rowKey[(rowKey.LastIndexOf('|') + 1)..];
}
