using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Dashboard;

/// <summary>
/// A process that runs Offload, as it last said so: a row <c>worker|{machine:pid}</c> in partition <c>workers</c> of table
/// <c>jobs</c>, rewritten every <see cref="Workers.Every"/> by the process itself (<see cref="WorkerPresence"/>).
/// </summary>
public sealed class WorkerRow : ITableEntity
{
    public const string Partition = "workers";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>The name jobs record as their worker (<see cref="JobClaim.WorkerName"/>: machine/pid).</summary>
    public string Name { get; set; } = "";
    /// <summary>The work queues it listens to, comma-separated.</summary>
    public string Queues { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset SeenAt { get; set; }
    public string? Version { get; set; }

    /// <summary>Table keys may not hold '/': machine/pid is keyed machine:pid.</summary>
    public static string KeyOf(string name) => "worker|" + name.Replace('/', ':');
}

/// <summary>The processes alive now: those whose row was written within the last <see cref="AliveWithin"/>.</summary>
public sealed class Workers(TableServiceClient tables, TimeProvider clock)
{
    /// <summary>How often a process says it is there, and how long without a word counts as gone.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan AliveWithin = TimeSpan.FromSeconds(90);

    /// <summary>A process not heard from for this long is forgotten (one killed never takes its row out).</summary>
    private static readonly TimeSpan Forgotten = TimeSpan.FromDays(1);

    private readonly TableClient _table = tables.GetTableClient(StorageNames.JobsTable);

    public async Task<IReadOnlyList<WorkerRow>> ListAliveAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var alive = new List<WorkerRow>();
        await foreach (var row in _table.QueryAsync<WorkerRow>(TableClient.CreateQueryFilter($"PartitionKey eq {WorkerRow.Partition}"), cancellationToken: cancellationToken))
        {
            if (now - row.SeenAt <= AliveWithin)
                alive.Add(row);
            else if (now - row.SeenAt > Forgotten)
                await ForgetAsync(row, cancellationToken);
        }

        return [.. alive.OrderBy(w => w.Name, StringComparer.Ordinal)];
    }

    /// <summary>Deletes a row as it was read: one written since (the process came back) or deleted by another reader stays as it is.</summary>
    private async Task ForgetAsync(WorkerRow row, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // rewritten or gone meanwhile
        }
    }

    internal Task SayAsync(WorkerRow row, CancellationToken cancellationToken) =>
        _table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);

    internal Task GoneAsync(WorkerRow row, CancellationToken cancellationToken) =>
        _table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
}

/// <summary>
/// Says every <see cref="Workers.Every"/> that this process is alive, and what it serves (one write: about 2,900 a day
/// per process); on a graceful stop, that it has gone. What it runs is in the jobs' own rows (their worker).
/// </summary>
public sealed partial class WorkerPresence(Workers workers, IOptions<HostFacts> facts, TimeProvider clock, ILogger<WorkerPresence> logger) : BackgroundService
{
    private WorkerRow? _row;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _row = new WorkerRow
        {
            RowKey = WorkerRow.KeyOf(JobClaim.WorkerName),
            Name = JobClaim.WorkerName,
            Queues = string.Join(',', facts.Value.ServedQueues ?? WorkQueues.Names),
            StartedAt = clock.GetUtcNow(),
            Version = typeof(WorkerPresence).Assembly.GetName().Version?.ToString(),
        };
        using var timer = new PeriodicTimer(Workers.Every, clock);
        try
        {
            do
            {
                try
                {
                    _row.SeenAt = clock.GetUtcNow();
                    await workers.SayAsync(_row, stoppingToken);
                }
                catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !stoppingToken.IsCancellationRequested)
                {
                    LogNotSaid(logger, ex.Message); // the next tick says it; the dashboard shows it gone meanwhile
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_row is null)
            return;
        try
        {
            await workers.GoneAsync(_row, cancellationToken);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) || ex is OperationCanceledException)
        {
            // it is forgotten once it has not been seen for a day
        }
    }

    [LoggerMessage(EventId = 1090, Level = LogLevel.Debug, Message = "Could not say this process is alive: {Reason}")]
    private static partial void LogNotSaid(ILogger logger, string reason);
}
