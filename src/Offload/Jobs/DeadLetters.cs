using Azure;
using Azure.Data.Tables;
using Offload.Storage;

namespace Offload.Jobs;

/// <summary>
/// A message that died, as <see cref="DeadLetterHandler"/> kept it: table <c>deadletters</c>, a partition per queue,
/// newest first (<c>{inverted ticks of when it reached the poison queue}-{its id there}</c>: a dead message handled
/// twice is one row). Its deliveries before it died are its job's attempts, in the job's history. The poison queue itself is drained by its listener, which ends the message's job; this row is what is left for
/// a person, until they send it on again or delete it, or retention takes it.
/// </summary>
public sealed class DeadLetter : ITableEntity
{
    /// <summary>How much of a body a row keeps (a job message is under 100 characters; a malformed one can be 64 KiB).</summary>
    public const int MaxBodyLength = 16_000;

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Body { get; set; } = "";
    public bool Truncated { get; set; }
    public DateTimeOffset DiedAt { get; set; }
    /// <summary>When it reached the poison queue (the poison copy's insertion time).</summary>
    public DateTimeOffset? PoisonedAt { get; set; }
    /// <summary>The job the message was for, when it could be read.</summary>
    public string? JobId { get; set; }
    /// <summary>What became of it, for a person: the job failed, the body unreadable, no such job.</summary>
    public string Outcome { get; set; } = "";

    public string Queue => PartitionKey;
    public string Id => RowKey;
}

/// <summary>The dead messages kept for people (<see cref="DeadLetter"/>): kept, listed, counted, taken out.</summary>
public sealed class DeadLetters(TableServiceClient tables, TimeProvider clock)
{
    private readonly TableClient _table = tables.GetTableClient(StorageNames.DeadLettersTable);

    /// <summary>Keeps a dead message (again: the same message is the same row).</summary>
    public Task KeepAsync(DeadLetterCommand command, string? jobId, string outcome, CancellationToken cancellationToken)
    {
        var ticks = JobRows.NewestFirst(command.InsertedOn ?? clock.GetUtcNow());
        return _table.UpsertEntityAsync(new DeadLetter
        {
            PartitionKey = command.Queue,
            RowKey = $"{ticks}-{command.MessageId ?? Guid.NewGuid().ToString("N")}",
            Body = command.Message.Length > DeadLetter.MaxBodyLength ? command.Message[..DeadLetter.MaxBodyLength] : command.Message,
            Truncated = command.Message.Length > DeadLetter.MaxBodyLength,
            DiedAt = clock.GetUtcNow(),
            PoisonedAt = command.InsertedOn,
            JobId = jobId,
            Outcome = outcome,
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>A queue's dead messages, newest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<DeadLetter>> ListAsync(string queue, int limit, CancellationToken cancellationToken)
    {
        var rows = new List<DeadLetter>();
        await foreach (var row in _table.QueryAsync<DeadLetter>(TableClient.CreateQueryFilter($"PartitionKey eq {queue}"), maxPerPage: limit, cancellationToken: cancellationToken))
        {
            rows.Add(row);
            if (rows.Count == limit)
                break;
        }

        return rows;
    }

    /// <summary>How many dead messages a queue has (up to <paramref name="cap"/>: a count reads the keys).</summary>
    public async Task<int> CountAsync(string queue, int cap, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var _ in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {queue}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            if (++count == cap)
                break;
        }

        return count;
    }

    public async Task<DeadLetter?> GetAsync(string queue, string id, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<DeadLetter>(queue, id, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Takes a dead message out; <c>false</c> when it was gone already.</summary>
    public async Task<bool> DeleteAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(letter.PartitionKey, letter.RowKey, ETag.All, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }
}
