using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Idempotency;
using Offload.Storage;

namespace Offload.Jobs;

/// <summary>
/// When a finished job expires: a row <c>expires|{yyyyMMdd}|{id}</c> in the job's shard, written by its final move
/// (<see cref="JobRows"/>). A job stored before the shards has a row in table <c>jobexpiries</c> instead, in a
/// partition per day (yyyyMMdd).
/// </summary>
public sealed class JobExpiry : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string JobId => RowKey.StartsWith(JobRows.ExpiresPrefix, StringComparison.Ordinal) ? JobRows.IdOfMarker(RowKey) : RowKey;

    public static string DayOf(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The row in the final job's shard, for the transaction of its final move.</summary>
    public static JobExpiry For(Job job, TimeSpan retention) => new()
    {
        PartitionKey = job.PartitionKey,
        RowKey = JobRows.ExpiresKey(DayOf((job.CompletedAt ?? job.UpdatedAt) + retention), job.Id),
    };
}

/// <summary>
/// Nothing grows forever, the way Celery's <c>result_expires</c> and Hangfire's job expiry work. A finished job
/// (succeeded, failed, cancelled) is kept for <see cref="JobOptions.Retention"/> after it ended; then the job, its
/// history, its source and its output are deleted, and its URLs answer 404. Each final move files the job under the
/// day it expires (<see cref="ActiveJobs.EndAsync"/>), so the clean-up reads only the days that are due, never the
/// whole table. Idempotency records go
/// after their 24 hours, quota counters two days after their window began.
/// </summary>
public sealed partial class Retention(
    TableServiceClient tables, BlobServiceClient blobs, JobStore jobs, TimeProvider clock, IOptions<JobOptions> options, ILogger<Retention> logger)
{
    private readonly TableClient _expiries = tables.GetTableClient(StorageNames.JobExpiriesTable);
    private readonly TableClient _jobs = tables.GetTableClient(StorageNames.JobsTable);

    /// <summary>Deletes what has expired; returns how many jobs went.</summary>
    public Task<int> CleanUpAsync(CancellationToken cancellationToken) => CleanUpAsync(_ => Task.FromResult(true), cancellationToken);

    /// <summary>
    /// Deletes what has expired, for as long as <paramref name="keepLease"/> says this instance still sweeps; returns
    /// how many jobs went. Only days that are over are read: a job filed under today expires later today.
    /// </summary>
    public async Task<int> CleanUpAsync(Func<CancellationToken, Task<bool>> keepLease, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var deleted = 0;
        var today = JobExpiry.DayOf(now);
        foreach (var shard in JobRows.Shards)
        {
            var due = JobRows.RangeFilter(shard, (JobRows.ExpiresPrefix, JobRows.ExpiresPrefix + today)); // the days that are over
            await foreach (var entry in _jobs.QueryAsync<JobExpiry>(due, cancellationToken: cancellationToken))
            {
                if (!await keepLease(cancellationToken))
                    return deleted;
                deleted += await ExpireAsync(entry, _jobs, now, cancellationToken) ? 1 : 0;
            }
        }

        // Jobs stored before the shards.
        await foreach (var entry in _expiries.QueryAsync<JobExpiry>(e => e.PartitionKey.CompareTo(today) < 0, cancellationToken: cancellationToken))
        {
            if (!await keepLease(cancellationToken))
                return deleted;
            deleted += await ExpireAsync(entry, _expiries, now, cancellationToken) ? 1 : 0;
        }

        // Quota counters (in the shards), two days after their window began: the longest window is a day.
        foreach (var shard in JobRows.Shards)
            await DeleteRowsAsync(JobRows.RangeFilter(shard, JobRows.CountersBefore(now - TimeSpan.FromDays(2))), cancellationToken);
        await DeleteOlderThanAsync(StorageNames.IdempotencyTable, now - IdempotencyKeys.Lifetime, cancellationToken);
        await DeleteOlderThanAsync(StorageNames.QuotasTable, now - TimeSpan.FromDays(2), cancellationToken); // videos in flight, and counters written before the shards held them
        // A dead message is kept as long as a finished job is: long enough for a person to have seen it.
        await DeleteOlderThanAsync(StorageNames.DeadLettersTable, now - options.Value.Retention, cancellationToken);
        // A delivery's index row outlives its job (expired after Jobs__Retention, a day after the longest retry window).
        await DeleteOlderThanAsync(StorageNames.WebhookDeliveriesTable, now - options.Value.Retention - TimeSpan.FromDays(4), cancellationToken);
        return deleted;
    }

    /// <summary>One due entry: its job goes if it is still the final job the entry was filed for; then the entry goes.</summary>
    private async Task<bool> ExpireAsync(JobExpiry entry, TableClient entries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var expired = false;
        var job = await jobs.GetAsync(entry.JobId, cancellationToken);
        if (job is { IsFinal: true, CompletedAt: { } ended } && ended + options.Value.Retention <= now)
        {
            using var scope = logger.BeginJobScope(job.Id);
            if (await TryDeleteJobAsync(job, cancellationToken))
            {
                LogExpired(logger, job.Status, (now - ended).TotalDays);
                expired = true;
            }
        }
        else if (job is null)
        {
            await DeleteLeftoversAsync(entry.JobId, cancellationToken); // a clean-up cut short after the job's row
        }

        // Otherwise sent through again since: its new end has an entry of its own.
        await DeleteIfExistsAsync(entries, entry.PartitionKey, entry.RowKey, cancellationToken);
        return expired;
    }

    /// <summary>
    /// The job row first, and only as it was read: a job sent through again a moment ago is not deleted (412). Its row
    /// in the list of jobs goes in the same transaction (a job that ended before the list existed has none: then the
    /// job alone). Then its history and its files; should that be cut short, the next clean-up finds the row gone and
    /// finishes.
    /// </summary>
    private async Task<bool> TryDeleteJobAsync(Job job, CancellationToken cancellationToken)
    {
        if (!await (JobRows.IsLegacy(job) ? TryDeleteAsync(job, cancellationToken) : TryDeleteListedAsync(job, cancellationToken)))
            return false;
        await DeleteLeftoversAsync(job.Id, cancellationToken);
        return true;
    }

    /// <summary>The job's history (in its shard, or in its own partition if it was stored before the shards), its upload record, its files.</summary>
    private async Task DeleteLeftoversAsync(string id, CancellationToken cancellationToken)
    {
        await DeleteRowsAsync(JobRows.RangeFilter(JobRows.ShardOf(id), JobRows.JobRange(id)), cancellationToken);
        await DeleteRowsAsync(TableClient.CreateQueryFilter($"PartitionKey eq {id}"), cancellationToken);
        await blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(StorageNames.SourceBlobName(id))
            .DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
        var outputs = blobs.GetBlobContainerClient(StorageNames.OutputsContainer);
        await foreach (var blob in outputs.GetBlobsAsync(BlobTraits.None, BlobStates.None, id, cancellationToken))
            await outputs.DeleteBlobIfExistsAsync(blob.Name, DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
    }

    /// <summary>The job row, as it was read, and its row in the list; <c>false</c> when the job changed or is gone.</summary>
    private async Task<bool> TryDeleteListedAsync(Job job, CancellationToken cancellationToken)
    {
        try
        {
            await _jobs.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Delete, job, job.ETag),
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(job.PartitionKey, JobRows.ListKey(job.CreatedAt, job.Id)), ETag.All),
            ], cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 404 && ex.FailedTransactionActionIndex is null or 1)
        {
            return await TryDeleteAsync(job, cancellationToken); // not listed (or, if the service did not say, the job is gone: this says so)
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>The job row alone, as it was read; <c>false</c> when it changed or is gone.</summary>
    private async Task<bool> TryDeleteAsync(Job job, CancellationToken cancellationToken)
    {
        try
        {
            await _jobs.DeleteEntityAsync(job.PartitionKey, job.RowKey, job.ETag, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false;
        }
    }

    private async Task DeleteRowsAsync(string filter, CancellationToken cancellationToken)
    {
        var rows = new List<TableTransactionAction>();
        await foreach (var row in _jobs.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            rows.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
        // A transaction holds at most 100 rows of one partition.
        foreach (var chunk in rows.Chunk(100))
        {
            try
            {
                await _jobs.SubmitTransactionAsync(chunk, cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 404)
            {
                // another clean-up deleted some of them first: delete the rest one by one
                foreach (var action in chunk)
                    await DeleteIfExistsAsync(_jobs, action.Entity.PartitionKey, action.Entity.RowKey, cancellationToken);
            }
        }
    }

    private static async Task DeleteIfExistsAsync(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // gone already
        }
    }

    private async Task DeleteOlderThanAsync(string table, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var client = tables.GetTableClient(table);
        await foreach (var row in client.QueryAsync<TableEntity>(e => e.Timestamp < cutoff, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            await DeleteIfExistsAsync(client, row.PartitionKey, row.RowKey, cancellationToken);
    }

    [LoggerMessage(EventId = 1070, Level = LogLevel.Information, Message = "Expired: the {Status} job ended {Days:0.0} days ago; it, its history and its files are deleted")]
    private static partial void LogExpired(ILogger logger, string status, double days);
}
