using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Idempotency;
using Offload.Storage;

namespace Offload.Jobs;

/// <summary>When a finished job expires: a row per job in table <c>jobexpiries</c>, in a partition per day (yyyyMMdd).</summary>
public sealed class JobExpiry : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string JobId => RowKey;

    public static string DayOf(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Nothing grows forever, the way Celery's <c>result_expires</c> and Hangfire's job expiry work. A finished job
/// (succeeded, failed, cancelled) is kept for <see cref="JobOptions.Retention"/> after it ended; then the job, its
/// history, its source and its output are deleted, and its URLs answer 404. Each final move files the job under the
/// day it expires (<see cref="ActiveJobs.EndAsync"/>), so the clean-up reads only the days that are due, never the
/// whole table. Idempotency records go
/// after their 24 hours, quota counters a day after their window.
/// </summary>
public sealed partial class Retention(
    TableServiceClient tables, BlobServiceClient blobs, JobStore jobs, TimeProvider clock, IOptions<JobOptions> options, ILogger<Retention> logger)
{
    private readonly TableClient _expiries = tables.GetTableClient(StorageNames.JobExpiriesTable);
    private readonly TableClient _jobs = tables.GetTableClient(StorageNames.JobsTable);

    /// <summary>Deletes what has expired; returns how many jobs went.</summary>
    public async Task<int> CleanUpAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var deleted = 0;
        var today = JobExpiry.DayOf(now);
        await foreach (var entry in _expiries.QueryAsync<JobExpiry>(e => e.PartitionKey.CompareTo(today) <= 0, cancellationToken: cancellationToken))
        {
            var job = await jobs.GetAsync(entry.JobId, cancellationToken);
            // Sent through again since (it has a new entry for its new end, or will have), or already gone.
            if (job is { IsFinal: true, CompletedAt: { } ended } && ended + options.Value.Retention <= now)
            {
                using var scope = logger.BeginJobScope(job.Id);
                await DeleteJobAsync(job, cancellationToken);
                LogExpired(logger, job.Status, (now - ended).TotalDays);
                deleted++;
            }

            await _expiries.DeleteEntityAsync(entry.PartitionKey, entry.RowKey, ETag.All, cancellationToken);
        }

        await DeleteOlderThanAsync(StorageNames.IdempotencyTable, now - IdempotencyKeys.Lifetime, cancellationToken);
        await DeleteOlderThanAsync(StorageNames.QuotasTable, now - TimeSpan.FromDays(2), cancellationToken); // the longest window is a day
        return deleted;
    }

    /// <summary>The blobs first, then the history and the job row last: a clean-up cut short is simply done again.</summary>
    private async Task DeleteJobAsync(Job job, CancellationToken cancellationToken)
    {
        await blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(StorageNames.SourceBlobName(job.Id))
            .DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
        var outputs = blobs.GetBlobContainerClient(StorageNames.OutputsContainer);
        await foreach (var blob in outputs.GetBlobsAsync(BlobTraits.None, BlobStates.None, job.Id, cancellationToken))
            await outputs.DeleteBlobIfExistsAsync(blob.Name, DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);

        var rows = new List<TableTransactionAction>();
        await foreach (var row in _jobs.QueryAsync<TableEntity>(e => e.PartitionKey == job.Id, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            if (row.RowKey != Job.RowKeyValue)
                rows.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
        }

        // A transaction holds at most 100 rows of one partition.
        foreach (var chunk in rows.Chunk(100))
            await _jobs.SubmitTransactionAsync(chunk, cancellationToken);
        await _jobs.DeleteEntityAsync(job.Id, Job.RowKeyValue, ETag.All, cancellationToken);
    }

    private async Task DeleteOlderThanAsync(string table, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var client = tables.GetTableClient(table);
        await foreach (var row in client.QueryAsync<TableEntity>(e => e.Timestamp < cutoff, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            try
            {
                await client.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // gone already
            }
        }
    }

    [LoggerMessage(EventId = 1070, Level = LogLevel.Information, Message = "Expired: the {Status} job ended {Days:0.0} days ago; it, its history and its files are deleted")]
    private static partial void LogExpired(ILogger logger, string status, double days);
}
