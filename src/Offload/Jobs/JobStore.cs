using Azure;
using Azure.Data.Tables;
using Offload.Access;
using Offload.Storage;
using Offload.Telemetry;

namespace Offload.Jobs;

/// <summary>
/// Reads and moves jobs. Every write after creation is a compare-and-set on the row's ETag: when two deliveries
/// of one message race, exactly one move wins and the other sees <c>null</c>. A move, its history row
/// (<see cref="JobEvent"/>) and the job's index rows (unfinished, or when it expires; its row in the list of jobs) are one entity-group transaction
/// in the job's shard (<see cref="JobRows"/>): all are stored, or none, in one storage operation.
/// </summary>
public sealed class JobStore(TableServiceClient tables, ActiveJobs active, JobKinds kinds, TimeProvider clock, Microsoft.Extensions.Options.IOptions<JobOptions> options)
{
    private readonly TableClient _table = tables.GetTableClient(StorageNames.JobsTable);

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>The clock behind <see cref="Now"/>, for a run's monotonic timers (<see cref="LeaseFence"/>).</summary>
    public TimeProvider Clock => clock;

    /// <summary>
    /// Stores a new job with its first history row, its row in the index of unfinished jobs and its row in the list of
    /// jobs (<see cref="JobListing"/>), in one transaction:
    /// once the job is stored, the sweeper can always find it, whatever becomes of its message. A
    /// <paramref name="alongside"/> row in the job's shard (a quota counter) is written in the same transaction.
    /// </summary>
    /// <exception cref="RequestFailedException">Status 409: a job with this id exists.</exception>
    /// <exception cref="ShardRowChangedException">The <paramref name="alongside"/> row had changed: nothing was stored.</exception>
    public async Task CreateAsync(Job job, string reason, CancellationToken cancellationToken, ShardRow? alongside = null)
    {
        if (JobRows.IsLegacy(job))
            throw new ArgumentException("New jobs are stored in their shard (Job.New).", nameof(job));
        if (alongside is not null && alongside.Action.Entity.PartitionKey != job.PartitionKey)
            throw new ArgumentException("A row written with a job must be in the job's shard.", nameof(alongside));
        job.EventCount = 1;
        List<TableTransactionAction> actions =
        [
            new(TableTransactionActionType.Add, job),
            new(TableTransactionActionType.Add, JobEvent.For(job, reason)),
            new(TableTransactionActionType.UpsertReplace, ActiveJob.For(job, clock.GetUtcNow())),
            new(TableTransactionActionType.UpsertReplace, JobListing.For(job)),
        ];
        if (alongside is not null)
            actions.Add(alongside.Action);
        try
        {
            var response = await _table.SubmitTransactionAsync(actions, cancellationToken);
            job.ETag = response.Value[0].Headers.ETag ?? default;
            if (alongside is not null)
                alongside.Written = response.Value[^1].Headers.ETag ?? default;
        }
        catch (TableTransactionFailedException ex) when (alongside is not null && FailedOn(ex, actions.Count - 1, alongside))
        {
            throw new ShardRowChangedException(ex);
        }
    }

    /// <summary>
    /// Stores new jobs of one shard (a split's parts: <see cref="JobParts"/>), each with its first history row and its rows
    /// in the index of unfinished jobs and in the list, in transactions of up to <see cref="JobsPerTransaction"/> jobs. A transaction
    /// that finds its first job stored was stored before (the same deterministic batch, its answer lost): it is kept.
    /// </summary>
    public async Task CreateAllAsync(IReadOnlyList<Job> created, Func<Job, string> reasonOf, CancellationToken cancellationToken)
    {
        if (created.Select(j => j.PartitionKey).Distinct().Count() > 1 || created.Any(JobRows.IsLegacy))
            throw new ArgumentException("Jobs created together are new jobs of one shard.", nameof(created));
        foreach (var batch in created.Chunk(JobsPerTransaction))
        {
            var actions = new List<TableTransactionAction>();
            foreach (var job in batch)
            {
                job.EventCount = 1;
                actions.Add(new(TableTransactionActionType.Add, job));
                actions.Add(new(TableTransactionActionType.Add, JobEvent.For(job, reasonOf(job))));
                actions.Add(new(TableTransactionActionType.UpsertReplace, ActiveJob.For(job, clock.GetUtcNow())));
                actions.Add(new(TableTransactionActionType.UpsertReplace, JobListing.For(job)));
            }

            try
            {
                var response = await _table.SubmitTransactionAsync(actions, cancellationToken);
                for (var i = 0; i < batch.Length; i++)
                    batch[i].ETag = response.Value[RowsPerJob * i].Headers.ETag ?? default;
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                // stored by an earlier try whose answer was lost
            }
        }
    }

    /// <summary>How many new jobs one transaction stores (<see cref="RowsPerJob"/> rows each, of the 100 a transaction may hold).</summary>
    public const int JobsPerTransaction = 100 / RowsPerJob;

    /// <summary>A new job's rows: the job, its first history entry, its index row, its row in the list.</summary>
    private const int RowsPerJob = 4;

    /// <summary>
    /// Whether a creation failed on the row at <paramref name="index"/>. When the service does not say which action
    /// failed: a 412 can only be that row's (the job's rows are adds), and a 409 is taken as that row's when it too was
    /// an add — its next try, with the row as read, tells whether the job exists.
    /// </summary>
    private static bool FailedOn(TableTransactionFailedException ex, int index, ShardRow row) =>
        ex.FailedTransactionActionIndex is { } failed
            ? failed == index
            : ex.Status == 412 || (ex.Status == 409 && row.Action.ActionType == TableTransactionActionType.Add);

    public async Task<Job?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<Job>(JobRows.ShardOf(id), JobRows.JobKey(id), cancellationToken: cancellationToken);
        if (response.HasValue)
            return response.Value;
        // A job stored before the shards: its own partition.
        var legacy = await _table.GetEntityIfExistsAsync<Job>(id, Job.LegacyRowKey, cancellationToken: cancellationToken);
        if (!legacy.HasValue)
            return null;
        var job = legacy.Value!;
        return job.Payload is null ? await ReadLegacyAsync(job, cancellationToken) : job;
    }

    /// <summary>
    /// A row stored before payloads keeps its kind's own columns (a video's source and output, an email's recipient):
    /// its kind reads them as the payload and result, so jobs stored by an earlier version run, show and download as
    /// they did. The row takes the new shape at its next write, which replaces it (with this ETag).
    /// </summary>
    private async Task<Job> ReadLegacyAsync(Job job, CancellationToken cancellationToken)
    {
        var row = (await _table.GetEntityAsync<TableEntity>(job.PartitionKey, job.RowKey, cancellationToken: cancellationToken)).Value;
        if (row.ETag != job.ETag)
            return await GetAsync(job.Id, cancellationToken) ?? job; // written between the two reads: read it again
        kinds.Find(job.Kind)?.TryReadLegacyRow(row, job);
        return job;
    }

    /// <summary>
    /// The job of <paramref name="kind"/> with <paramref name="id"/> if <paramref name="caller"/> may see it; another
    /// owner's job is <c>null</c>, exactly like one that does not exist, so ids leak nothing.
    /// </summary>
    public async Task<Job?> FindAsync(string id, string kind, Caller caller, CancellationToken cancellationToken) =>
        await GetAsync(id, cancellationToken) is { } job && job.Kind == kind && caller.MaySee(job.Owner) ? job : null;

    /// <summary>Every job row stored before the shards (never their history): for the one-off back-fill of the index, not for requests.</summary>
    public IAsyncEnumerable<Job> ListLegacyAsync(CancellationToken cancellationToken) =>
        _table.QueryAsync<Job>(j => j.RowKey == Job.LegacyRowKey, cancellationToken: cancellationToken);

    /// <summary>The job's history, oldest first.</summary>
    public async Task<IReadOnlyList<JobEvent>> GetHistoryAsync(string id, CancellationToken cancellationToken)
    {
        var events = await QueryAsync(JobRows.RangeFilter(JobRows.ShardOf(id), JobRows.EventRange(id)), cancellationToken);
        // Every job in a shard has a first entry; none: a job stored before the shards, whose history is in its own partition.
        return events.Count > 0 ? events : await QueryAsync(JobRows.RangeFilter(id, (JobEvent.LegacyRowKeyPrefix, "event.")), cancellationToken);
    }

    private async Task<List<JobEvent>> QueryAsync(string filter, CancellationToken cancellationToken)
    {
        var events = new List<JobEvent>();
        await foreach (var e in _table.QueryAsync<JobEvent>(filter, cancellationToken: cancellationToken))
            events.Add(e);
        return events;
    }

    /// <summary>
    /// Moves <paramref name="job"/> to <paramref name="status"/> if the move is legal and nobody changed the row
    /// since it was read, and records <paramref name="reason"/> in its history. Returns the stored job with its new
    /// ETag, or <c>null</c> when another writer won.
    /// </summary>
    /// <exception cref="InvalidOperationException">The state machine forbids the move: a bug, not a race.</exception>
    public async Task<Job?> TryMoveAsync(Job job, string status, string reason, Action<Job>? change, CancellationToken cancellationToken, string? code = null)
    {
        if (!JobStatus.CanMove(job.Status, status))
            throw new InvalidOperationException($"A job cannot move from '{job.Status}' to '{status}'.");

        var next = job.Copy();
        next.Status = status;
        change?.Invoke(next);
        next.UpdatedAt = Now;
        next.CompletedAt = next.IsFinal ? next.UpdatedAt : null;
        if (status != JobStatus.Processing)
            (next.LeaseExpiresAt, next.LeaseOwner) = (null, null);
        next.EventCount = job.EventCount + 1;
        if (JobRows.IsLegacy(job))
            return await TryMoveLegacyAsync(job, next, reason, code, cancellationToken);

        List<TableTransactionAction> actions =
        [
            new(TableTransactionActionType.UpdateReplace, next, job.ETag),
            new(TableTransactionActionType.Add, JobEvent.For(next, reason, code)),
        ];
        if (next.IsFinal && !job.IsFinal)
        {
            // It leaves the index of unfinished jobs, and is filed under the day it expires (Retention).
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(next.PartitionKey, JobRows.ActiveKey(next.Id)), ETag.All));
            actions.Add(new(TableTransactionActionType.UpsertReplace, JobExpiry.For(next, options.Value.Retention)));
        }
        else if (job.IsFinal && !next.IsFinal)
        {
            actions.Add(new(TableTransactionActionType.UpsertReplace, ActiveJob.For(next, Now))); // sent through again: it can need a message again
        }

        actions.Add(new(TableTransactionActionType.UpsertReplace, JobListing.For(next)));

        if (!await TrySubmitAsync(actions, next, cancellationToken))
            return null;
        JobMetrics.Moved(job, next);
        return next;
    }

    /// <summary>Submits a move; <c>false</c> when another writer changed the job first.</summary>
    private async Task<bool> TrySubmitAsync(List<TableTransactionAction> actions, Job next, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _table.SubmitTransactionAsync(actions, cancellationToken);
            next.ETag = response.Value[0].Headers.ETag ?? default;
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 404 && ex.FailedTransactionActionIndex is > 1)
        {
            // The index row was gone (the transactions keep it, so only a hand or a bug removes it): move without it.
            actions.RemoveAt(ex.FailedTransactionActionIndex.Value);
            return await TrySubmitAsync(actions, next, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404 or 409)
        {
            return false;
        }
    }

    /// <summary>A move of a job stored before the shards: its index rows are in tables of their own, written before and after.</summary>
    private async Task<Job?> TryMoveLegacyAsync(Job job, Job next, string reason, string? code, CancellationToken cancellationToken)
    {
        // A job sent through again can need a message again: back in the index before it is queued.
        if (job.IsFinal)
            await active.AddAsync(job.Id, job.Kind, next.Retries, cancellationToken);
        if (!await TrySubmitAsync(
            [
                new(TableTransactionActionType.UpdateReplace, next, job.ETag),
                new(TableTransactionActionType.Add, JobEvent.For(next, reason, code)),
            ], next, cancellationToken))
        {
            return null;
        }

        JobMetrics.Moved(job, next);
        if (next.IsFinal)
            await LeaveIndexAsync(next);
        return next;
    }

    /// <summary>A final job stored before the shards leaves the index, filed to expire; should storage fail now, the sweeper does it when it finds the job final.</summary>
    private async Task LeaveIndexAsync(Job job)
    {
        try
        {
            await active.EndAsync(job, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            // left to the sweeper
        }
    }

    /// <summary>
    /// Stores a change that is not a move (progress, a renewed lease); <c>null</c> when another writer changed the job.
    /// </summary>
    public async Task<Job?> TryUpdateAsync(Job job, Action<Job> change, CancellationToken cancellationToken)
    {
        var next = job.Copy();
        change(next);
        next.UpdatedAt = Now;
        try
        {
            var response = await _table.UpdateEntityAsync(next, job.ETag, TableUpdateMode.Replace, cancellationToken);
            next.ETag = response.Headers.ETag ?? default;
            return next;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return null;
        }
    }
}
