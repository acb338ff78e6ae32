using Azure;
using Azure.Data.Tables;

namespace Offload.Jobs;

/// <summary>
/// A row that is not the job's but lives in its shard, written in the transaction that creates the job (a quota's
/// counter: <see cref="Quotas.RateCounters"/>): both are stored, or neither, in one storage operation.
/// <see cref="Written"/> is its new ETag once stored.
/// </summary>
public sealed class ShardRow(TableTransactionAction action)
{
    public TableTransactionAction Action { get; } = action;

    public ETag? Written { get; internal set; }
}

/// <summary>
/// The transaction that was to create a job failed on its <see cref="ShardRow"/>: the row had changed since it was
/// read (another instance counted). Nothing was stored; read the row again and decide again.
/// </summary>
public sealed class ShardRowChangedException(RequestFailedException inner)
    : Exception("The row written with the job had changed since it was read: nothing was stored.", inner);
