using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Offload.Idempotency;
using Offload.Jobs;
using Offload.Storage;

namespace Offload.Quotas;

/// <summary>
/// Fixed-window counters in Table Storage, shared by every instance: each take is a compare-and-set on the row's ETag,
/// so two instances can never both take the last unit. A bucket's windows are rows <c>count|{window start}|{hash}</c>
/// in one shard of table <c>jobs</c> (<see cref="ShardOf"/>: the hash is the bucket's SHA-256), so a job created in that
/// shard can count in its own creation's transaction (<see cref="PrepareTakeAsync"/>: an email and its recipient's
/// hour). Old windows are never read again; the clean-up deletes them after two days (<see cref="Jobs.Retention"/>).
/// </summary>
/// <remarks>
/// A take is one storage operation when it can be, or none of its own when it rides in a job's creation: the
/// instance remembers each window's row as it last wrote it and writes the next count with that ETag, no read first
/// (another instance that counted meanwhile makes it 412: read, and try again); a window it has never seen is added at
/// once (409 when it exists: read it). Only a take that lost a race pays a read.
/// </remarks>
public sealed class RateCounters(TableServiceClient tables, TimeProvider clock)
{
    private const int MaxRemembered = 10_000;
    private readonly TableClient _table = tables.GetTableClient(StorageNames.JobsTable);
    private readonly ConcurrentDictionary<string, (long Count, ETag ETag)> _written = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _stale = new(StringComparer.Ordinal); // lost a race: read before the next write

    /// <summary>A window's row as known: as this instance last wrote it, or read; not <see cref="Exists"/> when it is unknown (never seen, or lost a race: then it is added, or read).</summary>
    private sealed record Known(bool Exists, long Count, ETag ETag);

    /// <summary>The shard of table <c>jobs</c> that holds <paramref name="bucket"/>'s counters.</summary>
    public static string ShardOf(string bucket) => JobRows.ShardOfHash(ShardHash(bucket));

    /// <summary>The hash that places <paramref name="bucket"/>'s counters (<see cref="JobRows.ShardOfHash"/>, <see cref="JobRows.NewIdInShardOf"/>).</summary>
    public static string ShardHash(string bucket) => IdempotencyKeys.Fingerprint(bucket);

    /// <summary>
    /// Takes <paramref name="amount"/> from <paramref name="bucket"/>'s current window of <paramref name="window"/>
    /// if that keeps it within <paramref name="limit"/>: <c>null</c> when taken, else how long until the window ends.
    /// </summary>
    public async Task<TimeSpan?> TryTakeAsync(string bucket, int limit, TimeSpan window, long amount, CancellationToken cancellationToken)
    {
        while (true)
        {
            var take = await PrepareTakeAsync(bucket, limit, window, amount, cancellationToken);
            if (take.Row is not { } row)
                return take.RetryAfter;
            try
            {
                var response = row.Action.ActionType == TableTransactionActionType.Add
                    ? await _table.AddEntityAsync(row.Action.Entity, cancellationToken)
                    : await _table.UpdateEntityAsync(row.Action.Entity, row.Action.ETag, TableUpdateMode.Replace, cancellationToken);
                Taken(take, response.Headers.ETag ?? default);
                return null;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
            {
                Lost(take); // another instance counted meanwhile (or the row is older than this instance knew): read, and try again
            }
        }
    }

    /// <summary>
    /// A take of <paramref name="amount"/> from <paramref name="bucket"/>'s current window, to be written by whoever
    /// writes its <see cref="CounterTake.Row"/> (in <see cref="ShardOf"/> the bucket) — then <see cref="Taken"/> — or a
    /// refusal (<see cref="CounterTake.RetryAfter"/>: how long until the window ends). A row that turns out to have
    /// changed meanwhile (412, 409) is <see cref="Lost"/>: prepare again.
    /// </summary>
    public async Task<CounterTake> PrepareTakeAsync(string bucket, int limit, TimeSpan window, long amount, CancellationToken cancellationToken)
    {
        var start = WindowStart(window);
        var known = _stale.TryRemove(Key(bucket, start), out _) ? await ReadAsync(bucket, start, cancellationToken) : Remembered(bucket, start);
        if (known.Count + amount > limit && known.Exists)
            known = await ReadAsync(bucket, start, cancellationToken); // remembered as full: a unit may have been given back elsewhere
        if (known.Count + amount > limit)
            return new CounterTake(Key(bucket, start), 0, null, start + window - clock.GetUtcNow());

        var count = known.Count + amount;
        var entity = new TableEntity(ShardOf(bucket), RowOf(bucket, start)) { ["Count"] = count, ["Bucket"] = bucket };
        var action = known.Exists
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, known.ETag)
            : new TableTransactionAction(TableTransactionActionType.Add, entity);
        return new CounterTake(Key(bucket, start), count, new ShardRow(action), null);
    }

    /// <summary>The take's row was written, with this ETag: the next take of its window writes without a read.</summary>
    public void Taken(CounterTake take, ETag etag) => Remember(take.Key, take.Count, etag);

    /// <summary>The take's row had changed (another instance counted): the next take of its window reads it first.</summary>
    public void Lost(CounterTake take)
    {
        _written.TryRemove(take.Key, out _);
        if (_stale.Count >= MaxRemembered)
            _stale.Clear();
        _stale[take.Key] = true;
    }

    /// <summary>How much of <paramref name="bucket"/>'s current window is used, and when the window ends (always read: other instances count too).</summary>
    public async Task<(long Count, DateTimeOffset WindowEnd)> GetAsync(string bucket, TimeSpan window, CancellationToken cancellationToken)
    {
        var start = WindowStart(window);
        return ((await ReadAsync(bucket, start, cancellationToken)).Count, start + window);
    }

    /// <summary>Adds <paramref name="amount"/> whatever the limit: for use that is only known once it happened (seconds encoded).</summary>
    public Task AddAsync(string bucket, TimeSpan window, long amount, CancellationToken cancellationToken) =>
        TryTakeAsync(bucket, int.MaxValue, window, amount, cancellationToken);

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
        var found = await _table.GetEntityIfExistsAsync<TableEntity>(ShardOf(bucket), RowOf(bucket, start), cancellationToken: cancellationToken);
        if (!found.HasValue)
            return new Known(false, 0, default);
        var known = new Known(true, found.Value!.GetInt64("Count") ?? 0, found.Value.ETag);
        Remember(Key(bucket, start), known.Count, known.ETag); // as read: the next take writes with it
        return known;
    }

    private void Remember(string key, long count, ETag etag)
    {
        if (_written.Count >= MaxRemembered)
            _written.Clear(); // old windows pile up here: start again rather than grow without bound
        _written[key] = (count, etag);
    }

    private static string Key(string bucket, DateTimeOffset start) => RowOf(bucket, start);

    private static string RowOf(string bucket, DateTimeOffset start) => JobRows.CounterKey(start, ShardHash(bucket));
}

/// <summary>
/// A take prepared by <see cref="RateCounters.PrepareTakeAsync"/>: the counter's row to write (<see cref="Row"/>), or,
/// when it would go over the limit, <see cref="RetryAfter"/>.
/// </summary>
public sealed record CounterTake(string Key, long Count, ShardRow? Row, TimeSpan? RetryAfter);
