using System.Collections.Concurrent;
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
/// <remarks>
/// A take is one storage operation when it can be: the instance remembers each window's row as it last wrote it and
/// writes the next count with that ETag, no read first (another instance that counted meanwhile makes it 412: read,
/// and try again); a window it has never seen is added at once (409 when it exists: read it). Only a take that lost a
/// race pays a read.
/// </remarks>
public sealed class RateCounters(TableServiceClient tables, TimeProvider clock)
{
    private const int MaxRemembered = 10_000;
    private readonly TableClient _table = tables.GetTableClient(StorageNames.QuotasTable);
    private readonly ConcurrentDictionary<string, (long Count, ETag ETag)> _written = new(StringComparer.Ordinal);

    /// <summary>A window's row as known: as this instance last wrote it, or read; not <see cref="Exists"/> when it is unknown (never seen, or lost a race: then it is added, or read).</summary>
    private sealed record Known(bool Exists, long Count, ETag ETag);

    /// <summary>
    /// Takes <paramref name="amount"/> from <paramref name="bucket"/>'s current window of <paramref name="window"/>
    /// if that keeps it within <paramref name="limit"/>: <c>null</c> when taken, else how long until the window ends.
    /// </summary>
    public async Task<TimeSpan?> TryTakeAsync(string bucket, int limit, TimeSpan window, long amount, CancellationToken cancellationToken)
    {
        var start = WindowStart(window);
        var known = Remembered(bucket, start);
        while (true)
        {
            if (known.Count + amount > limit)
            {
                if (known.Exists && await ReadAsync(bucket, start, cancellationToken) is var fresh && fresh.Count + amount <= limit)
                {
                    known = fresh; // remembered as full, but this window's row says otherwise (a unit given back elsewhere)
                    continue;
                }

                return start + window - clock.GetUtcNow();
            }

            if (await TryWriteAsync(bucket, start, known, known.Count + amount, cancellationToken))
                return null;
            known = await ReadAsync(bucket, start, cancellationToken); // another instance counted meanwhile
        }
    }

    /// <summary>How much of <paramref name="bucket"/>'s current window is used, and when the window ends (always read: other instances count too).</summary>
    public async Task<(long Count, DateTimeOffset WindowEnd)> GetAsync(string bucket, TimeSpan window, CancellationToken cancellationToken)
    {
        var start = WindowStart(window);
        return ((await ReadAsync(bucket, start, cancellationToken)).Count, start + window);
    }

    /// <summary>Adds <paramref name="amount"/> whatever the limit: for use that is only known once it happened (seconds encoded).</summary>
    public async Task AddAsync(string bucket, TimeSpan window, long amount, CancellationToken cancellationToken)
    {
        var start = WindowStart(window);
        var known = Remembered(bucket, start);
        while (!await TryWriteAsync(bucket, start, known, known.Count + amount, cancellationToken))
            known = await ReadAsync(bucket, start, cancellationToken);
    }

    private DateTimeOffset WindowStart(TimeSpan window)
    {
        var now = clock.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - now.UtcTicks % window.Ticks, TimeSpan.Zero);
    }

    /// <summary>The window's row as this instance last wrote or read it; unknown: assume it is not there yet (an add tells).</summary>
    private Known Remembered(string bucket, DateTimeOffset start) =>
        _written.TryGetValue(Key(bucket, start), out var row) ? new Known(true, row.Count, row.ETag) : new Known(false, 0, default);

    private async Task<Known> ReadAsync(string bucket, DateTimeOffset start, CancellationToken cancellationToken)
    {
        var found = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionOf(bucket), RowOf(start), cancellationToken: cancellationToken);
        return found.HasValue ? new Known(true, found.Value!.GetInt64("Count") ?? 0, found.Value.ETag) : new Known(false, 0, default);
    }

    private async Task<bool> TryWriteAsync(string bucket, DateTimeOffset start, Known known, long count, CancellationToken cancellationToken)
    {
        var row = new TableEntity(PartitionOf(bucket), RowOf(start)) { ["Count"] = count, ["Bucket"] = bucket };
        try
        {
            var response = known.Exists
                ? await _table.UpdateEntityAsync(row, known.ETag, TableUpdateMode.Replace, cancellationToken)
                : await _table.AddEntityAsync(row, cancellationToken);
            Remember(bucket, start, count, response.Headers.ETag ?? default);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            _written.TryRemove(Key(bucket, start), out _);
            return false; // another instance counted meanwhile (or the row is older than this instance knew): read again
        }
    }

    private void Remember(string bucket, DateTimeOffset start, long count, ETag etag)
    {
        if (_written.Count >= MaxRemembered)
            _written.Clear(); // old windows pile up here: start again rather than grow without bound
        _written[Key(bucket, start)] = (count, etag);
    }

    private static string Key(string bucket, DateTimeOffset start) => $"{RowOf(start)}|{bucket}";

    private static string PartitionOf(string bucket) => IdempotencyKeys.Fingerprint(bucket);

    private static string RowOf(DateTimeOffset start) => start.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);
}
