using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Offload.Http;
using Offload.Jobs;
using Offload.Storage;

namespace Offload.Dashboard;

/// <summary>
/// GET /api/overview (admin): the jobs of the last hour and day by status and kind, succeeded and failed per minute over
/// the last hour, the queues, and the processes alive with what each is running. Counted from the list of jobs
/// (<see cref="JobListing"/>: what the jobs' own transactions wrote, so the counts survive any restart), the day's rows
/// of the sixteen shards read once, up to <see cref="MaxRows"/>; kept for <see cref="Fresh"/> on this instance, so
/// any number of open dashboards cost one read of them a few seconds.
/// </summary>
public sealed class OverviewApi(TableServiceClient tables, QueuesApi queues, Workers workers, TimeProvider clock)
{
    public const int MaxRows = 50_000;
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(5);

    private readonly TableClient _table = tables.GetTableClient(StorageNames.JobsTable);
    private readonly SemaphoreSlim _reading = new(1, 1);
    private (DateTimeOffset At, Overview Value)? _last;

    public Task<IResult> GetAsync(CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () => ApiResults.Ok(await ReadAsync(cancellationToken)));

    public async Task<Overview> ReadAsync(CancellationToken cancellationToken)
    {
        await _reading.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && clock.GetUtcNow() - last.At < Fresh)
                return last.Value;
            var value = await CountAsync(cancellationToken);
            _last = (clock.GetUtcNow(), value);
            return value;
        }
        finally
        {
            _reading.Release();
        }
    }

    private async Task<Overview> CountAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var (from, to) = JobRows.ListRange(now - TimeSpan.FromDays(1), null);
        var range = TableClient.CreateQueryFilter($"RowKey ge {from} and RowKey lt {to}");
        var perShard = MaxRows / JobRows.ShardCount;
        var shards = await Task.WhenAll(JobRows.Shards.Select(async shard =>
        {
            var rows = new List<JobListing>();
            await foreach (var row in _table.QueryAsync<JobListing>(TableClient.CreateQueryFilter($"PartitionKey eq {shard}") + " and " + range,
                select: ["RowKey", "Kind", "Status", "CreatedAt", "CompletedAt", "Worker", "Part"], cancellationToken: cancellationToken))
            {
                rows.Add(row);
                if (rows.Count == perShard)
                    break;
            }

            return rows;
        }));
        var rows = shards.SelectMany(r => r).ToList();
        var jobs = rows.Where(r => !r.Part).ToList();
        var hourAgo = now - TimeSpan.FromHours(1);

        var minutes = Enumerable.Range(0, 60).Select(i => Minute(now) - TimeSpan.FromMinutes(59 - i)).ToList();
        var ended = jobs.Where(r => r is { CompletedAt: { } at } && at >= minutes[0]).ToLookup(r => Minute(r.CompletedAt!.Value));
        var throughput = minutes.Select(m => new MinuteCount(m,
            ended[m].Count(r => r.Status == JobStatus.Succeeded), ended[m].Count(r => r.Status == JobStatus.Failed))).ToList();

        var running = rows.Where(r => r.Status == JobStatus.Processing && r.Worker is not null).ToLookup(r => r.Worker!);
        var alive = (await workers.ListAliveAsync(cancellationToken)).Select(w => new WorkerView(
            w.Name, w.Queues.Split(',', StringSplitOptions.RemoveEmptyEntries), w.StartedAt, w.SeenAt, w.Version,
            [.. running[w.Name].Select(r => new RunningJob(r.JobId, r.Kind, DashboardRoutes.JobPath(r.JobId)))])).ToList();

        return new Overview(now, Counts(jobs.Where(r => r.CreatedAt >= hourAgo)), Counts(jobs), rows.Count >= MaxRows - JobRows.ShardCount,
            throughput, (await queues.ReadAsync(cancellationToken)).Queues, alive);
    }

    private static DateTimeOffset Minute(DateTimeOffset time) => new(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);

    private static JobCounts Counts(IEnumerable<JobListing> rows)
    {
        var list = rows.ToList();
        return new JobCounts(list.Count,
            JobStatus.All.ToDictionary(s => s, s => list.Count(r => r.Status == s)),
            list.GroupBy(r => r.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            list.GroupBy(r => r.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => JobStatus.All.ToDictionary(s => s, s => g.Count(r => r.Status == s))));
    }
}

/// <summary>What the overview shows; <see cref="AtLeast"/> when the day held more jobs than it counts (the counts are then lower bounds).</summary>
public sealed record Overview(
    DateTimeOffset At, JobCounts LastHour, JobCounts LastDay, bool AtLeast, IReadOnlyList<MinuteCount> Throughput,
    IReadOnlyList<QueueView> Queues, IReadOnlyList<WorkerView> Workers);

/// <summary>Jobs created in a window (parts of split jobs not counted): in all, by status, by kind, and by kind and status.</summary>
public sealed record JobCounts(int Total, IReadOnlyDictionary<string, int> ByStatus, IReadOnlyDictionary<string, int> ByKind,
    IReadOnlyDictionary<string, Dictionary<string, int>> ByKindAndStatus);

/// <summary>Jobs (created in the last day, parts not counted) that ended in one minute, by how.</summary>
public sealed record MinuteCount(DateTimeOffset Minute, int Succeeded, int Failed);

public sealed record WorkerView(string Name, IReadOnlyList<string> Queues, DateTimeOffset StartedAt, DateTimeOffset SeenAt, string? Version, IReadOnlyList<RunningJob> Running);

public sealed record RunningJob(string Id, string Kind, string Url);
