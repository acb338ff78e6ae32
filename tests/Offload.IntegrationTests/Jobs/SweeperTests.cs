using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Offload.Email;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Testing;
using Offload.Videos;

namespace Offload.IntegrationTests.Jobs;

/// <summary>
/// The sweeper on real Azurite (a storage account of its own: it sweeps every unfinished job there), with a clock the
/// test moves: a job whose message was lost gets it again, once per spacing, and nothing else is touched.
/// </summary>
public sealed class SweeperTests(StorageFixture fixture) : IClassFixture<StorageFixture>, IDisposable
{
    private static readonly TimeSpan RedeliverAfter = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30); // WatchdogHandler.Grace at the default heartbeat
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private ServiceProvider? _services;

    private IServiceProvider Services => _services ??= fixture.CreateServices(
        new Dictionary<string, string?> { ["Jobs:RedeliverAfter"] = RedeliverAfter.ToString() },
        services => services.AddSingleton<TimeProvider>(_clock));

    private JobStore Jobs => Services.GetRequiredService<JobStore>();
    private JobSweeper Sweeper => Services.GetRequiredService<JobSweeper>();

    public void Dispose() => _services?.Dispose();

    /// <summary>A job stored as the API stores it, its message never sent (the queue was down, the process died).</summary>
    private async Task<Job> StoredWithoutMessageAsync(string kind = EmailJob.Kind)
    {
        var job = TestJobs.New(JobId.New(), kind, TestCallers.Owner.OwnerId, Jobs.Now);
        await Jobs.CreateAsync(job, "Accepted.", CancellationToken.None);
        return job;
    }

    private async Task<int> MessagesForAsync(string queue, string jobId) =>
        (await fixture.Queues.GetQueueClient(queue).PeekMessagesAsync(32)).Value.Count(m => m.Body.ToString().Contains(jobId, StringComparison.Ordinal));

    [Fact]
    public async Task AJobStoredWithoutItsMessage_GetsItAgain_AfterRedeliverAfterAndTwoLooks_ThenSpacedOut()
    {
        await fixture.ClearQueuesAsync();
        var job = await StoredWithoutMessageAsync();

        await Sweeper.SweepAsync(CancellationToken.None); // not overdue yet
        _clock.Advance(RedeliverAfter + TimeSpan.FromSeconds(1));
        await Sweeper.SweepAsync(CancellationToken.None); // overdue: first look
        Assert.Equal(0, await MessagesForAsync(QueueNames.HighPriority, job.Id));

        await Sweeper.SweepAsync(CancellationToken.None); // a second look too soon after the first counts for nothing
        Assert.Equal(0, await MessagesForAsync(QueueNames.HighPriority, job.Id));
        _clock.Advance(Grace);
        await Sweeper.SweepAsync(CancellationToken.None); // unchanged a grace later: lost
        Assert.Equal(1, await MessagesForAsync(QueueNames.HighPriority, job.Id));

        await Sweeper.SweepAsync(CancellationToken.None); // sent a moment ago: not again
        _clock.Advance(RedeliverAfter + TimeSpan.FromSeconds(1));
        await Sweeper.SweepAsync(CancellationToken.None); // one spacing later (1 min after the first re-send): again
        Assert.Equal(2, await MessagesForAsync(QueueNames.HighPriority, job.Id));
        _clock.Advance(RedeliverAfter + TimeSpan.FromSeconds(1));
        await Sweeper.SweepAsync(CancellationToken.None); // the next spacing is 2 min: not yet
        Assert.Equal(2, await MessagesForAsync(QueueNames.HighPriority, job.Id));
        Assert.Contains(fixture.Logs.Entries, e => e.EventId.Id == 1060 && e.Scopes.Contains($"Job {job.Id}"));
    }

    [Fact]
    public async Task AJobThatMoves_BetweenTwoLooks_IsLeftAlone()
    {
        await fixture.ClearQueuesAsync();
        var job = await StoredWithoutMessageAsync(VideoJob.Kind);
        _clock.Advance(RedeliverAfter + TimeSpan.FromSeconds(1));
        await Sweeper.SweepAsync(CancellationToken.None); // first look

        // A worker claims it now (its message was only slow): the sweeper sees the change and sends nothing.
        var claimed = (await Jobs.TryMoveAsync(job, JobStatus.Processing, "Attempt 1 started.", j =>
        {
            j.Attempts = 1;
            j.LeaseExpiresAt = Jobs.Now + TimeSpan.FromMinutes(1);
        }, CancellationToken.None))!;
        await Sweeper.SweepAsync(CancellationToken.None);

        Assert.Equal(0, await MessagesForAsync(QueueNames.HeavyCompute, claimed.Id));
    }

    [Fact]
    public async Task ARetryingJobPastItsDueTime_GetsItsMessageAgain()
    {
        await fixture.ClearQueuesAsync();
        var retrying = await StoredWithoutMessageAsync();
        retrying = (await Jobs.TryMoveAsync(retrying, JobStatus.Processing, "Attempt 1 started.", j => j.Attempts = 1, CancellationToken.None))!;
        await Jobs.TryMoveAsync(retrying, JobStatus.Retrying, "Attempt 1 failed.", j => j.NextAttemptAt = Jobs.Now + TimeSpan.FromSeconds(30), CancellationToken.None);

        _clock.Advance(TimeSpan.FromSeconds(30) + RedeliverAfter - TimeSpan.FromSeconds(1));
        await Sweeper.SweepAsync(CancellationToken.None); // a second before it is overdue: nothing
        _clock.Advance(TimeSpan.FromSeconds(2));
        await Sweeper.SweepAsync(CancellationToken.None); // overdue: the first look
        Assert.Equal(0, await MessagesForAsync(QueueNames.HighPriority, retrying.Id));

        _clock.Advance(Grace);
        await Sweeper.SweepAsync(CancellationToken.None); // unchanged a grace later
        Assert.Equal(1, await MessagesForAsync(QueueNames.HighPriority, retrying.Id));
    }

    [Fact]
    public async Task ARunningJobWithADeadLease_GetsItsMessageAgain_AsSoonAsTheWatchdogWouldHave()
    {
        // A run asks the watchdog to watch it only once it has lasted half a lease: the job of a worker that died sooner
        // is the sweeper's, and comes back as fast (a heartbeat after the lease, then a grace).
        await fixture.ClearQueuesAsync();
        var processing = await StoredWithoutMessageAsync(VideoJob.Kind);
        await Jobs.TryMoveAsync(processing, JobStatus.Processing, "Attempt 1 started.", j =>
        {
            j.Attempts = 1;
            j.LeaseExpiresAt = Jobs.Now + TimeSpan.FromSeconds(30);
        }, CancellationToken.None);

        _clock.Advance(TimeSpan.FromSeconds(30));
        await Sweeper.SweepAsync(CancellationToken.None); // the lease has just ended: its worker may renew yet
        _clock.Advance(TimeSpan.FromSeconds(1));
        await Sweeper.SweepAsync(CancellationToken.None); // a heartbeat later: the first look
        Assert.Equal(0, await MessagesForAsync(QueueNames.HeavyCompute, processing.Id));

        _clock.Advance(Grace);
        await Sweeper.SweepAsync(CancellationToken.None); // unchanged a grace later: its worker is gone
        Assert.Equal(1, await MessagesForAsync(QueueNames.HeavyCompute, processing.Id));
    }

    [Fact]
    public async Task AJobsIndexRows_AreWrittenByItsOwnTransactions_InItsShard()
    {
        var job = await StoredWithoutMessageAsync();
        var shard = fixture.Tables.GetTableClient(Offload.Storage.StorageNames.JobsTable);
        async Task<List<string>> RowsAsync() => await shard
            .QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == JobRows.ShardOf(job.Id), select: ["RowKey"])
            .Where(e => e.RowKey.EndsWith(job.Id, StringComparison.Ordinal) || e.RowKey.Contains($"{job.Id}|", StringComparison.Ordinal))
            .Select(e => e.RowKey).ToListAsync();

        // Stored: the job, its first history entry, its place among the unfinished and in the list, one transaction.
        var listed = JobRows.ListKey(job.CreatedAt, job.Id);
        Assert.Equal([$"active|{job.Id}", $"job|{job.Id}", $"job|{job.Id}|event-00001", listed], (await RowsAsync()).Order(StringComparer.Ordinal));

        var done = (await Jobs.TryMoveAsync(job, JobStatus.Cancelled, "Cancelled.", null, CancellationToken.None))!;
        var day = JobExpiry.DayOf(done.CompletedAt!.Value + new JobOptions().Retention);
        Assert.Equal([$"expires|{day}|{job.Id}", $"job|{job.Id}", $"job|{job.Id}|event-00001", $"job|{job.Id}|event-00002", listed], (await RowsAsync()).Order(StringComparer.Ordinal));
        Assert.Equal(JobStatus.Cancelled, (await shard.GetEntityAsync<JobListing>(job.PartitionKey, listed)).Value.Status);

        await Jobs.TryMoveAsync(done, JobStatus.Queued, "Sent through again.", j => j.Retries++, CancellationToken.None);
        Assert.Contains($"active|{job.Id}", await RowsAsync()); // it can need a message again
        Assert.Contains(job.Id, await IndexedAsync(Services.GetRequiredService<ActiveJobs>()));
    }

    [Fact]
    public async Task FinalJobsLeaveTheIndex_AndRowsWhoseJobWasNeverWrittenAreDropped()
    {
        var index = Services.GetRequiredService<ActiveJobs>();
        var done = await StoredWithoutMessageAsync();
        await Jobs.TryMoveAsync(done, JobStatus.Cancelled, "Cancelled.", null, CancellationToken.None);
        var orphan = JobId.New();
        await index.AddAsync(orphan, EmailJob.Kind, 0, CancellationToken.None); // the request died before the job's row

        var ids = await IndexedAsync(index);
        Assert.DoesNotContain(done.Id, ids); // a final move takes the job out at once
        Assert.Contains(orphan, ids);

        await Sweeper.SweepAsync(CancellationToken.None);
        Assert.Contains(orphan, await IndexedAsync(index)); // young: its job may still be being written
        _clock.Advance(JobSweeper.OrphanAge + TimeSpan.FromSeconds(1));
        await Sweeper.SweepAsync(CancellationToken.None);
        Assert.DoesNotContain(orphan, await IndexedAsync(index));
    }

    [Fact]
    public async Task OneInstanceSweepsAtATime_AndAnotherTakesOver_WhenItsLeaseRunsOut()
    {
        await using var other = fixture.CreateServices(configure: services => services.AddSingleton<TimeProvider>(_clock));
        var first = Sweeper;
        var second = other.GetRequiredService<JobSweeper>();
        await ForgetTheLeaseAsync();

        Assert.NotNull(await first.SweepIfLeaderAsync(CancellationToken.None));
        Assert.Null(await second.SweepIfLeaderAsync(CancellationToken.None));
        Assert.NotNull(await first.SweepIfLeaderAsync(CancellationToken.None)); // renews its own

        _clock.Advance(TimeSpan.FromMinutes(1)); // three sweep intervals without a renewal: the first instance is gone
        Assert.NotNull(await second.SweepIfLeaderAsync(CancellationToken.None));
        Assert.Null(await first.SweepIfLeaderAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AnEarlierRunsEnd_NeverTakesOutTheIndexRowOfARetry()
    {
        var index = Services.GetRequiredService<ActiveJobs>();
        var job = await StoredWithoutMessageAsync();
        var failed = (await Jobs.TryMoveAsync(job, JobStatus.Failed, "Failed.", null, CancellationToken.None))!;
        // A person sends it through again; the earlier run's end (slow, or the sweeper's) lands afterwards.
        await Jobs.TryMoveAsync(failed, JobStatus.Queued, "Sent through again.", j => j.Retries++, CancellationToken.None);
        await index.EndAsync(failed, CancellationToken.None);

        Assert.Contains(job.Id, await IndexedAsync(index));
    }

    [Fact]
    public async Task JobsStoredBeforeTheIndex_AreBackFilledOnce_ByTheSweepingInstance()
    {
        await fixture.ClearQueuesAsync();
        var index = Services.GetRequiredService<ActiveJobs>();
        // A job as a version before the index and the shards stored it: a partition of its own, no index row.
        var job = TestJobs.New(JobId.New(), EmailJob.Kind, TestCallers.Owner.OwnerId, Jobs.Now);
        (job.PartitionKey, job.RowKey) = (job.Id, Job.LegacyRowKey);
        await fixture.Tables.GetTableClient(Offload.Storage.StorageNames.JobsTable).AddEntityAsync(job);
        var table = fixture.Tables.GetTableClient(Offload.Storage.StorageNames.ActiveJobsTable);
        await table.DeleteEntityAsync("lock", JobSweeper.BackfillMarker, Azure.ETag.All).ContinueWith(_ => { }, TaskScheduler.Default);

        Assert.DoesNotContain(job.Id, await IndexedAsync(index));
        await ForgetTheLeaseAsync();
        Assert.NotNull(await Sweeper.SweepIfLeaderAsync(CancellationToken.None));

        Assert.Contains(job.Id, await IndexedAsync(index));
        Assert.Contains(fixture.Logs.Entries, e => e.EventId.Id == 1064);
    }

    /// <summary>Each test's clock starts anew, so a lease an earlier test's sweeper took may look alive for minutes: drop it.</summary>
    private async Task ForgetTheLeaseAsync()
    {
        var table = fixture.Tables.GetTableClient(Offload.Storage.StorageNames.ActiveJobsTable);
        try
        {
            await table.DeleteEntityAsync("lock", JobSweeper.LeaseName, Azure.ETag.All);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            // no sweeper ran yet
        }
    }

    private static async Task<List<string>> IndexedAsync(ActiveJobs index)
    {
        var ids = new List<string>();
        await foreach (var row in index.ListAsync(CancellationToken.None))
            ids.Add(row.JobId);
        return ids;
    }
}
