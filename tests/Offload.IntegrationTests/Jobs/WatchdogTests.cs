using Microsoft.Extensions.DependencyInjection;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Testing;
using Offload.Videos;

namespace Offload.IntegrationTests.Jobs;

/// <summary>Leases and the watchdog: how a job comes back when its worker dies, and why a live one is left alone.</summary>
[Collection(StorageCollection.Name)]
public sealed class WatchdogTests(StorageFixture fixture)
{
    /// <summary>A video job as a worker left it when it was claimed and then died, its lease ending at <paramref name="leaseEnd"/>.</summary>
    private async Task<Job> ClaimedJobAsync(DateTimeOffset leaseEnd)
    {
        var job = TestJobs.New(JobId.New(), VideoJob.Kind, TestCallers.Owner.OwnerId, fixture.Jobs.Now);
        await fixture.Jobs.CreateAsync(job, "test", CancellationToken.None);
        return (await fixture.Jobs.TryMoveAsync(job, JobStatus.Processing, "Attempt 1 started.", j =>
        {
            j.Attempts = 1;
            j.LeaseExpiresAt = leaseEnd;
            j.LeaseOwner = "a worker that died";
        }, CancellationToken.None))!;
    }

    private Task WatchAsync(string jobId, string? seen = null) =>
        fixture.Services.GetRequiredService<WatchdogHandler>().HandleAsync(new WatchdogCommand(JobMessage.For(jobId, seen).ToJson()), CancellationToken.None);

    private async Task<int> MessagesAsync(string queue, string jobId, bool includingInvisible = false)
    {
        var client = fixture.Queues.GetQueueClient(queue);
        if (!includingInvisible)
            return (await client.PeekMessagesAsync(32)).Value.Count(m => m.Body.ToString().Contains(jobId, StringComparison.Ordinal));
        return (await client.GetPropertiesAsync()).Value.ApproximateMessagesCount;
    }

    [Fact]
    public async Task Watchdog_PutsTheJobBackOnItsQueue_WhenNothingWasWrittenBetweenTwoLooksAtAnExpiredLease()
    {
        await fixture.ClearQueuesAsync();
        var job = await ClaimedJobAsync(leaseEnd: fixture.Jobs.Now - TimeSpan.FromSeconds(1));

        await WatchAsync(job.Id); // first look: the lease ran out; look again after a grace period, with the row's ETag

        Assert.Equal(0, await MessagesAsync(QueueNames.HeavyCompute, job.Id, includingInvisible: true));
        Assert.Equal(1, await MessagesAsync(QueueNames.Watchdog, job.Id, includingInvisible: true));

        await WatchAsync(job.Id, seen: job.ETag.ToString()); // second look: nothing changed, the worker is dead

        Assert.Equal(1, await MessagesAsync(QueueNames.HeavyCompute, job.Id));
        Assert.Contains(fixture.Logs.Entries, e => e.EventId.Id == 1030 && e.Scopes.Contains($"Job {job.Id}"));
    }

    [Fact]
    public async Task Watchdog_LeavesTheJobToItsWorker_WhenItWroteBetweenTheTwoLooks()
    {
        await fixture.ClearQueuesAsync();
        var job = await ClaimedJobAsync(leaseEnd: fixture.Jobs.Now - TimeSpan.FromSeconds(1));
        var firstLook = job.ETag.ToString();
        // The worker was alive, waiting for storage; once storage is back it records its outcome.
        await fixture.Jobs.TryMoveAsync(job, JobStatus.Succeeded, "done after the outage", null, CancellationToken.None);

        await WatchAsync(job.Id, seen: firstLook);

        Assert.Equal(0, await MessagesAsync(QueueNames.HeavyCompute, job.Id, includingInvisible: true));
        Assert.Equal(JobStatus.Succeeded, (await fixture.JobAsync(job.Id)).Status);
    }

    [Fact]
    public async Task Watchdog_LooksAgainLater_WhileTheWorkerRenewsItsLease()
    {
        await fixture.ClearQueuesAsync();
        var job = await ClaimedJobAsync(leaseEnd: fixture.Jobs.Now + TimeSpan.FromMinutes(1));

        await WatchAsync(job.Id);

        Assert.Equal(0, await MessagesAsync(QueueNames.HeavyCompute, job.Id));
        Assert.Equal(0, await MessagesAsync(QueueNames.Watchdog, job.Id)); // not visible yet …
        Assert.Equal(1, await MessagesAsync(QueueNames.Watchdog, job.Id, includingInvisible: true)); // … but there
    }

    [Fact]
    public async Task Watchdog_StopsWatching_OnceTheJobHasEnded()
    {
        await fixture.ClearQueuesAsync();
        var job = await ClaimedJobAsync(leaseEnd: fixture.Jobs.Now - TimeSpan.FromSeconds(1));
        await fixture.Jobs.TryMoveAsync(job, JobStatus.Succeeded, "done", null, CancellationToken.None);

        await WatchAsync(job.Id);

        Assert.Equal(0, await MessagesAsync(QueueNames.HeavyCompute, job.Id, includingInvisible: true));
        Assert.Equal(0, await MessagesAsync(QueueNames.Watchdog, job.Id, includingInvisible: true));
    }

    [Fact]
    public async Task Delivery_ReclaimsAJobWhoseWorkerDied_AndTheHistorySaysSo()
    {
        var job = await fixture.UploadAsync(Clip.Silent);
        await fixture.Jobs.TryMoveAsync(job, JobStatus.Processing, "Attempt 1 started.", j =>
        {
            j.Attempts = 1;
            j.LeaseExpiresAt = fixture.Jobs.Now - TimeSpan.FromSeconds(1);
        }, CancellationToken.None);

        await fixture.Services.GetRequiredService<JobRunner>()
            .HandleAsync(new JobDelivery(QueueNames.HeavyCompute, JobMessage.For(job.Id).ToJson(), 2), CancellationToken.None);

        var done = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Succeeded, 2), (done.Status, done.Attempts));
        var history = await fixture.Jobs.GetHistoryAsync(job.Id, CancellationToken.None);
        Assert.Contains(history, e => e is { Status: JobStatus.Processing, Attempt: 2 } && e.Reason.Contains("stopped renewing its lease", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Delivery_LeavesAJobWithALiveLeaseAlone_AndAsksTheWatchdogToLookLater()
    {
        await fixture.ClearQueuesAsync();
        var job = await ClaimedJobAsync(leaseEnd: fixture.Jobs.Now + TimeSpan.FromMinutes(1));

        await fixture.Services.GetRequiredService<JobRunner>()
            .HandleAsync(new JobDelivery(QueueNames.HeavyCompute, JobMessage.For(job.Id).ToJson(), 1), CancellationToken.None);

        var same = await fixture.JobAsync(job.Id);
        Assert.Equal(job.ETag, same.ETag); // not touched
        Assert.Equal(1, await MessagesAsync(QueueNames.Watchdog, job.Id, includingInvisible: true));
    }

    [Fact]
    public async Task LongRunningJob_RenewsItsLease_AndIsWatched_OnceItHasLastedHalfALease()
    {
        await fixture.ClearQueuesAsync();
        // A lease of 2 s: the encode (several seconds) outlasts half of it, so its run asks the watchdog to watch it.
        await using var slow = fixture.CreateServices(new Dictionary<string, string?> { ["Encoding:Preset"] = "slower", ["Jobs:LeaseDuration"] = "00:00:02" });
        var job = await fixture.UploadAsync(Clip.Long, slow);
        var leases = new List<DateTimeOffset>();

        var encode = slow.GetRequiredService<JobRunner>()
            .HandleAsync(new JobDelivery(QueueNames.HeavyCompute, JobMessage.For(job.Id).ToJson(), 1), CancellationToken.None);
        while (!encode.IsCompleted)
        {
            if ((await fixture.JobAsync(job.Id)).LeaseExpiresAt is { } lease)
                leases.Add(lease);
            await Task.Delay(100);
        }

        await encode;
        Assert.Equal(JobStatus.Succeeded, (await fixture.JobAsync(job.Id)).Status);
        Assert.True(leases.Distinct().Count() >= 3, $"the lease was renewed {leases.Distinct().Count() - 1} times");
        Assert.Null((await fixture.JobAsync(job.Id)).LeaseExpiresAt); // a finished job holds no lease
        // One check, sent once (a queued job whose message is lost is the sweeper's: SweeperTests).
        Assert.Equal(1, await MessagesAsync(QueueNames.Watchdog, job.Id, includingInvisible: true));
    }

    [Fact]
    public async Task JobThatEndsWithinHalfItsLease_SendsTheWatchdogNothing()
    {
        await fixture.ClearQueuesAsync();
        var job = await fixture.UploadAsync(Clip.Silent); // a second of work; the lease is a minute

        await fixture.Services.GetRequiredService<JobRunner>()
            .HandleAsync(new JobDelivery(QueueNames.HeavyCompute, JobMessage.For(job.Id).ToJson(), 1), CancellationToken.None);

        Assert.Equal(JobStatus.Succeeded, (await fixture.JobAsync(job.Id)).Status);
        Assert.Equal(0, await MessagesAsync(QueueNames.Watchdog, job.Id, includingInvisible: true));
    }
}
