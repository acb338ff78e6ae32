using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Offload.Idempotency;
using Offload.Storage;

namespace Offload.Quotas;

/// <summary>
/// Fixed-window counters in Table Storage (table <c>quotas</c>, partition = SHA-256 of the bucket, row = the window's
/// start), shared by every instance: each take is a compare-and-set on the row's ETag, so two instances can never
/// both take the last unit. Old windows are never read again; at one small row per owner and window they cost next
/// to nothing, and deleting them at any time is safe.
/// </summary>
public sealed class RateCounters(TableServiceClient tables, TimeProvider clock)
{
    private readonly TableClient _table = tables.GetTableClient(StorageNames.QuotasTable);

    /// <summary>
    /// Takes <paramref name="amount"/> from <paramref name="bucket"/>'s current window of <paramref name="window"/>
    /// if that keeps it within <paramref name="limit"/>: <c>null</c> when taken, else how long until the window ends.
    /// </summary>
    public async Task<TimeSpan?> TryTakeAsync(string bucket, int limit, TimeSpan window, long amount, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (row, start) = await ReadAsync(bucket, window, cancellationToken);
            var count = row?.GetInt64("Count") ?? 0;
            if (count + amount > limit)
                return start + window - clock.GetUtcNow();
            if (await TryWriteAsync(bucket, start, row, count + amount, cancellationToken))
                return null;
        }
    }

    /// <summary>How much of <paramref name="bucket"/>'s current window is used, and when the window ends.</summary>
    public async Task<(long Count, DateTimeOffset WindowEnd)> GetAsync(string bucket, TimeSpan window, CancellationToken cancellationToken)
    {
        var (row, start) = await ReadAsync(bucket, window, cancellationToken);
        return (row?.GetInt64("Count") ?? 0, start + window);
    }

    /// <summary>Adds <paramref name="amount"/> whatever the limit: for use that is only known once it happened (seconds encoded).</summary>
    public async Task AddAsync(string bucket, TimeSpan window, long amount, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (row, start) = await ReadAsync(bucket, window, cancellationToken);
            if (await TryWriteAsync(bucket, start, row, (row?.GetInt64("Count") ?? 0) + amount, cancellationToken))
                return;
        }
    }

    private async Task<(TableEntity? Row, DateTimeOffset Start)> ReadAsync(string bucket, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var start = new DateTimeOffset(now.UtcTicks - now.UtcTicks % window.Ticks, TimeSpan.Zero);
        var found = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionOf(bucket), RowOf(start), cancellationToken: cancellationToken);
        return (found.HasValue ? found.Value : null, start);
    }

    private async Task<bool> TryWriteAsync(string bucket, DateTimeOffset start, TableEntity? row, long count, CancellationToken cancellationToken)
    {
        try
        {
            if (row is null)
                await _table.AddEntityAsync(new TableEntity(PartitionOf(bucket), RowOf(start)) { ["Count"] = count, ["Bucket"] = bucket }, cancellationToken);
            else
            {
                row["Count"] = count;
                await _table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false; // another instance counted meanwhile: read again
        }
    }

    private static string PartitionOf(string bucket) => IdempotencyKeys.Fingerprint(bucket);

    private static string RowOf(DateTimeOffset start) => start.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);
}
