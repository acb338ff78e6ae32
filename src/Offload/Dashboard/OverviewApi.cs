using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Offload.Http;
using Offload.Jobs;
using Offload.Storage;

namespace Offload.Dashboard;

/// <summary>
/// GET /api/overview (admin): the jobs of the last hour and day by status and kind, succeeded and failed per minute over
/// the last hour, the queues, and the processes alive with what each is running. Counted from the list of jobs
/// (<see cref="JobListing"/>: what the jobs' own transactions wrote, so the counts survive any restart): the last hour's
/// rows are read at most every <see cref="Fresh"/>, the rest of the day's at most every <see cref="DayFresh"/>, on each
/// instance, up to <see cref="MaxRows"/>, so any number of open dashboards cost a few small reads every few seconds.
/// </summary>
public sealed class OverviewApi(TableServiceClient tables, QueuesApi queues, Workers workers, TimeProvider clock)
{
    public const int MaxRows = 50_000;
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DayFresh = TimeSpan.FromMinutes(1);

    private static readonly string[] Columns = ["RowKey", "Kind", "Status", "CreatedAt", "CompletedAt", "Worker", "Part"];

    private readonly TableClient _table = tables.GetTableClient(StorageNames.JobsTable);
    private readonly SemaphoreSlim _reading = new(1, 1);
    private (DateTimeOffset At, Overview Value)? _last;
    private (DateTimeOffset At, List<JobListing> Rows, bool Cut)? _day;

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
        var hourAgo = now - TimeSpan.FromHours(1);
        if (_day is not { } day || now - day.At >= DayFresh)
        {
            // To now, not to the hour's start: by the next minute's count the hour has moved on, and what it left is here.
            var (dayRows, dayCut) = await ReadRowsAsync(now - TimeSpan.FromDays(1), null, MaxRows, cancellationToken);
            _day = day = (now, dayRows, dayCut);
        }
        var (hour, hourCut) = await ReadRowsAsync(hourAgo, null, MaxRows, cancellationToken);
        // The day: its older rows as last read, the last hour's as read now (the same boundary splits both, so none twice).
        var rows = day.Rows.Where(r => r.CreatedAt < hourAgo).Concat(hour).ToList();
        var jobs = rows.Where(r => !r.Part).ToList();

        var minutes = Enumerable.Range(0, 60).Select(i => Minute(now) - TimeSpan.FromMinutes(59 - i)).ToList();
        var ended = jobs.Where(r => r is { CompletedAt: { } at } && at >= minutes[0]).ToLookup(r => Minute(r.CompletedAt!.Value));
        var throughput = minutes.Select(m => new MinuteCount(m,
            ended[m].Count(r => r.Status == JobStatus.Succeeded), ended[m].Count(r => r.Status == JobStatus.Failed))).ToList();

        var running = rows.Where(r => r.Status == JobStatus.Processing && r.Worker is not null).ToLookup(r => r.Worker!);
        var alive = (await workers.ListAliveAsync(cancellationToken)).Select(w => new WorkerView(
            w.Name, w.Queues.Split(',', StringSplitOptions.RemoveEmptyEntries), w.StartedAt, w.SeenAt, w.Version,
            [.. running[w.Name].Select(r => new RunningJob(r.JobId, r.Kind, DashboardRoutes.JobPath(r.JobId)))])).ToList();

        return new Overview(now, Counts(jobs.Where(r => r.CreatedAt >= hourAgo)), Counts(jobs), day.Cut || hourCut,
            throughput, (await queues.ReadAsync(cancellationToken)).Queues, alive);
    }

    /// <summary>The list rows of jobs created in [since, until), at most <paramref name="max"/> spread over the shards; whether any shard had more.</summary>
    private async Task<(List<JobListing> Rows, bool Cut)> ReadRowsAsync(DateTimeOffset since, DateTimeOffset? until, int max, CancellationToken cancellationToken)
    {
        var (from, to) = JobRows.ListRange(since, until);
        var range = TableClient.CreateQueryFilter($"RowKey ge {from} and RowKey lt {to}");
        var perShard = max / JobRows.ShardCount;
        var shards = await Task.WhenAll(JobRows.Shards.Select(async shard =>
        {
            var rows = new List<JobListing>();
            await foreach (var row in _table.QueryAsync<JobListing>(TableClient.CreateQueryFilter($"PartitionKey eq {shard}") + " and " + range,
                select: Columns, cancellationToken: cancellationToken))
            {
                if (rows.Count == perShard)
                    return (rows, Cut: true);
                rows.Add(row);
            }

            return (rows, Cut: false);
        }));
        return ([.. shards.SelectMany(s => s.rows)], shards.Any(s => s.Cut));
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
