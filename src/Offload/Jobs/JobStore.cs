using Azure;
using Azure.Data.Tables;
using Offload.Storage;

namespace Offload.Jobs;

/// <summary>
/// Reads and moves jobs. Every write after creation is a compare-and-set on the row's ETag:
/// when two deliveries of one message race, exactly one move wins and the other sees <c>null</c>.
/// </summary>
public sealed class JobStore(TableServiceClient tables, TimeProvider clock)
{
    private readonly TableClient _table = tables.GetTableClient(StorageNames.JobsTable);

    public DateTimeOffset Now => clock.GetUtcNow();

    public async Task CreateAsync(Job job, CancellationToken cancellationToken)
    {
        var response = await _table.AddEntityAsync(job, cancellationToken);
        job.ETag = response.Headers.ETag ?? default;
    }

    public async Task<Job?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<Job>(id, Job.RowKeyValue, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// Moves <paramref name="job"/> to <paramref name="status"/> if the move is legal and nobody changed the row
    /// since it was read. Returns the stored job with its new ETag, or <c>null</c> when another writer won.
    /// </summary>
    /// <exception cref="InvalidOperationException">The state machine forbids the move: a bug, not a race.</exception>
    public Task<Job?> TryMoveAsync(Job job, string status, Action<Job>? change, CancellationToken cancellationToken)
    {
        if (!JobStatus.CanMove(job.Status, status))
            throw new InvalidOperationException($"A job cannot move from '{job.Status}' to '{status}'.");

        var next = job.Copy();
        next.Status = status;
        change?.Invoke(next);
        if (next.IsFinal)
            next.CompletedAt = Now;
        return TryReplaceAsync(job, next, cancellationToken);
    }

    /// <summary>Stores new progress without a state move; <c>null</c> when another writer changed the job.</summary>
    public Task<Job?> TryReportProgressAsync(Job job, int progress, CancellationToken cancellationToken)
    {
        var next = job.Copy();
        next.Progress = Math.Clamp(progress, 0, 100);
        return TryReplaceAsync(job, next, cancellationToken);
    }

    private async Task<Job?> TryReplaceAsync(Job current, Job next, CancellationToken cancellationToken)
    {
        next.UpdatedAt = Now;
        try
        {
            var response = await _table.UpdateEntityAsync(next, current.ETag, TableUpdateMode.Replace, cancellationToken);
            next.ETag = response.Headers.ETag ?? default;
            return next;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return null;
        }
    }
}
