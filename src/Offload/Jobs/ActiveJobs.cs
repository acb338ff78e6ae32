using Azure;
using Azure.Data.Tables;
using Offload.Storage;

namespace Offload.Jobs;

/// <summary>
/// One unfinished job in the index the sweeper reads: a row <c>active|{id}</c> in the job's shard of table <c>jobs</c>,
/// written and removed by the job's own transactions (<see cref="JobRows"/>). A job stored before the shards has its
/// row in table <c>activejobs</c> instead, from before its row is written until it is final, in sixteen partitions
/// (the id's last hex digit).
/// </summary>
public sealed class ActiveJob : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Kind { get; set; } = "";
    public DateTimeOffset IndexedAt { get; set; }
    /// <summary>
    /// Which run of the job the row is for: its <see cref="Job.Retries"/> when indexed. A final move of an earlier run
    /// never takes out the row of a later one (a person sent the job through again meanwhile).
    /// </summary>
    public int Generation { get; set; }
    /// <summary>The job row's ETag at the sweeper's last look: an unchanged one means nothing wrote it since.</summary>
    public string? Seen { get; set; }
    /// <summary>When the sweeper took that look: the next one counts only a grace later (<see cref="WatchdogHandler.Grace"/>).</summary>
    public DateTimeOffset? SeenAt { get; set; }
    /// <summary>How often the sweeper has sent the job's message again, and when it last did.</summary>
    public int Resent { get; set; }
    public DateTimeOffset? ResentAt { get; set; }

    public string JobId => RowKey.StartsWith(JobRows.ActivePrefix, StringComparison.Ordinal) ? JobRows.IdOfMarker(RowKey) : RowKey;

    /// <summary>The row in the job's shard (<see cref="JobRows"/>), for the transaction that stores or re-queues it.</summary>
    public static ActiveJob For(Job job, DateTimeOffset now) => new()
    {
        PartitionKey = job.PartitionKey,
        RowKey = JobRows.ActiveKey(job.Id),
        Kind = job.Kind,
        IndexedAt = now,
        Generation = job.Retries,
    };

    /// <summary>The partition of a job's row in table <c>activejobs</c> (jobs stored before the shards).</summary>
    public static string PartitionOf(string jobId) => jobId[^1..];

    /// <summary>A row in the job's shard, not in table <c>activejobs</c>.</summary>
    public bool InShard => RowKey.StartsWith(JobRows.ActivePrefix, StringComparison.Ordinal);
}

/// <summary>
/// The index of unfinished jobs: what lets the sweeper find a job whose message was lost (a row written without its
/// message, a receive whose answer storage never sent) without scanning every job ever made. A job's row in its shard
/// is written with the job and removed by its final move, in the same transactions, so every accepted job is in it
/// while it can still need a message. Jobs stored before the shards keep their rows in table <c>activejobs</c>: in
/// before the job's own row, out after its last move; a row left behind there (its job never written, or already
/// final) is cleaned up by the sweeper.
/// </summary>
public sealed class ActiveJobs(TableServiceClient tables, TimeProvider clock, Microsoft.Extensions.Options.IOptions<JobOptions> options)
{
    private const string LockPartition = "lock";
    private readonly TableClient _table = tables.GetTableClient(StorageNames.ActiveJobsTable);
    private readonly TableClient _expiries = tables.GetTableClient(StorageNames.JobExpiriesTable);
    private readonly TableClient _jobs = tables.GetTableClient(StorageNames.JobsTable);

    /// <summary>
    /// A job that ended leaves the index, filed first under the day it expires (<see cref="Retention"/>): should the
    /// second write fail, the sweeper finds the final job still indexed and does both again. (A job in a shard leaves
    /// it by its final move; this is for one the sweeper finds final and still indexed.)
    /// </summary>
    /// <param name="job">The final job.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <param name="row">The job's index row as the caller just read it (the sweeper); else it is read.</param>
    public async Task EndAsync(Job job, CancellationToken cancellationToken, ActiveJob? row = null)
    {
        if (!JobRows.IsLegacy(job) && row is not { InShard: true })
            return; // a job in a shard leaves its index by its own final move
        if (row is { InShard: true })
        {
            await _jobs.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, JobExpiry.For(job, options.Value.Retention)),
                new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All),
            ], cancellationToken);
            return;
        }

        await _expiries.UpsertEntityAsync(new JobExpiry
        {
            PartitionKey = JobExpiry.DayOf((job.CompletedAt ?? clock.GetUtcNow()) + options.Value.Retention),
            RowKey = job.Id,
        }, TableUpdateMode.Replace, cancellationToken);

        // Only this run's row, and only as it was read: a retry that re-indexed the job meanwhile keeps its row.
        row ??= (await _table.GetEntityIfExistsAsync<ActiveJob>(ActiveJob.PartitionOf(job.Id), job.Id, cancellationToken: cancellationToken)) is { HasValue: true } found
            ? found.Value
            : null;
        if (row is null || row.Generation > job.Retries)
            return;
        try
        {
            await _table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // gone already, or re-indexed by a retry a moment ago
        }
    }

    /// <summary>Indexes a job stored before the shards for its run <paramref name="generation"/> (<see cref="Job.Retries"/>).</summary>
    public Task AddAsync(string jobId, string kind, int generation, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(new ActiveJob
        {
            PartitionKey = ActiveJob.PartitionOf(jobId),
            RowKey = jobId,
            Kind = kind,
            IndexedAt = clock.GetUtcNow(),
            Generation = generation,
        }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>Indexes the job unless it is already (the back-fill of jobs stored before the index).</summary>
    public async Task TryAddAsync(string jobId, string kind, int generation, CancellationToken cancellationToken)
    {
        try
        {
            await _table.AddEntityAsync(new ActiveJob
            {
                PartitionKey = ActiveJob.PartitionOf(jobId),
                RowKey = jobId,
                Kind = kind,
                IndexedAt = clock.GetUtcNow(),
                Generation = generation,
            }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // indexed already
        }
    }

    public async Task<bool> HasMarkerAsync(string name, CancellationToken cancellationToken) =>
        (await _table.GetEntityIfExistsAsync<TableEntity>(LockPartition, name, cancellationToken: cancellationToken)).HasValue;

    public Task SetMarkerAsync(string name, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(new TableEntity(LockPartition, name) { ["At"] = clock.GetUtcNow() }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>Takes the row of a job that was never written out of the index.</summary>
    public async Task RemoveAsync(ActiveJob row, CancellationToken cancellationToken)
    {
        try
        {
            await (row.InShard ? _jobs : _table).DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // already out
        }
    }

    /// <summary>
    /// Every unfinished job: one range query per shard (the index is small: only jobs that can still run are in it),
    /// then those stored before the shards.
    /// </summary>
    public async IAsyncEnumerable<ActiveJob> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var shard in JobRows.Shards)
        {
            await foreach (var row in _jobs.QueryAsync<ActiveJob>(JobRows.RangeFilter(shard, JobRows.ActiveRange), cancellationToken: cancellationToken))
                yield return row;
        }

        await foreach (var row in _table.QueryAsync<ActiveJob>(a => a.PartitionKey != LockPartition, cancellationToken: cancellationToken))
            yield return row;
    }

    /// <summary>Stores what the sweeper saw; <c>false</c> when the row changed or went meanwhile (the job moved on).</summary>
    public async Task<bool> TryUpdateAsync(ActiveJob row, CancellationToken cancellationToken)
    {
        try
        {
            var response = await (row.InShard ? _jobs : _table).UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
            row.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>
    /// Takes or renews the lease on one named task (the sweep) for <paramref name="duration"/>: the lease row's ETag when
    /// <paramref name="holder"/> holds it now, else <c>null</c>. A row with an ETag-checked expiry, so two instances never
    /// both win. The holder renews with the ETag it got last time (<paramref name="held"/>): one write, no read, unless
    /// the row changed since.
    /// </summary>
    public async Task<ETag?> TryLeaseAsync(string name, string holder, TimeSpan duration, ETag? held, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var lease = new TableEntity(LockPartition, name) { ["Holder"] = holder, ["ExpiresAt"] = now + duration };
        try
        {
            if (held is { } renewing)
            {
                try
                {
                    return (await _table.UpdateEntityAsync(lease, renewing, TableUpdateMode.Replace, cancellationToken)).Headers.ETag;
                }
                catch (RequestFailedException ex) when (ex.Status is 404 or 412)
                {
                    // changed since this holder's last renewal (it ran out, and another took it?): look
                }
            }

            var response = await _table.GetEntityIfExistsAsync<TableEntity>(LockPartition, name, cancellationToken: cancellationToken);
            if (!response.HasValue)
                return (await _table.AddEntityAsync(lease, cancellationToken)).Headers.ETag;

            var current = response.Value!;
            if (current.GetString("Holder") != holder && current.GetDateTimeOffset("ExpiresAt") > now)
                return null;
            return (await _table.UpdateEntityAsync(lease, current.ETag, TableUpdateMode.Replace, cancellationToken)).Headers.ETag;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return null; // another instance took it first
        }
    }
}
