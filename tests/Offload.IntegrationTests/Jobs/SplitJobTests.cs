using Microsoft.Extensions.DependencyInjection;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Testing;

namespace Offload.IntegrationTests.Jobs;

/// <summary>
/// Fan-out and fan-in on the core (<see cref="JobParts"/>), with two kinds that exist only here: a <c>sum</c> job splits
/// into one <c>square</c> part per number, then adds up their results in its next stage. Real Azurite; the deliveries
/// are made by the test, as a listener would make them, some at the same moment.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class SplitJobTests(StorageFixture fixture) : IAsyncLifetime
{
    private const string SumKind = "sum";
    private const string SquareKind = "square";
    private ServiceProvider _services = null!;
    private readonly EndedJobs _ended = new();

    public sealed record SumPayload(int[] Numbers) : IJobPayload
    {
        public static int Version => 1;
    }

    public sealed record SquarePayload(int Number) : IJobPayload
    {
        public static int Version => 1;
    }

    public sealed record SquareResult(int Square);

    public sealed record SumResult(int Sum, int Parts);

    /// <summary>Splits; or, once every part has succeeded, adds up the parts' results.</summary>
    public sealed class SumHandler : IJobHandler<SumPayload>
    {
        public async Task<JobResult> RunAsync(SumPayload payload, JobContext context, CancellationToken cancellationToken)
        {
            if (!context.PartsSucceeded)
            {
                return JobResult.Split($"Split into {payload.Numbers.Length} squares.",
                    [.. payload.Numbers.Select(n => JobPart.Of(SquareKind, new SquarePayload(n), weight: n, $"the square of {n}"))]);
            }

            var parts = await context.ReadPartsAsync(cancellationToken);
            var sum = parts.Sum(p => p.ResultAs<SquareResult>()!.Square);
            return new JobResult($"The sum of the squares is {sum}.", new SumResult(sum, parts.Count));
        }
    }

    /// <summary>13 never squares; 7 squares only when it is let go (<see cref="Release"/>), or stops when its job is cancelled.</summary>
    public sealed class SquareHandler : IJobHandler<SquarePayload>
    {
        public static TaskCompletionSource Started { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public static TaskCompletionSource Release { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<JobResult> RunAsync(SquarePayload payload, JobContext context, CancellationToken cancellationToken)
        {
            if (payload.Number == 13)
                throw new PermanentJobException("13 cannot be squared here.");
            if (payload.Number == 7)
            {
                context.ReportProgress(50);
                Started.TrySetResult();
                await Release.Task.WaitAsync(cancellationToken);
            }

            return new JobResult($"Squared {payload.Number}.", new SquareResult(payload.Number * payload.Number));
        }
    }

    public Task InitializeAsync()
    {
        _services = fixture.CreateServices(configure: services =>
        {
            services.AddJobKind<SumPayload, SumHandler>(SumKind, QueueNames.HighPriority);
            services.AddJobKind<SquarePayload, SquareHandler>(SquareKind, QueueNames.HighPriority);
            services.AddSingleton<IJobEndListener>(_ended);
        });
        SquareHandler.Started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        SquareHandler.Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        SquareHandler.Release.TrySetResult();
        await _services.DisposeAsync();
    }

    private JobStore Jobs => _services.GetRequiredService<JobStore>();

    private async Task<Job> QueueAsync(params int[] numbers)
    {
        var job = Job.New(JobId.New(), SumKind, TestCallers.Owner.OwnerId, Jobs.Now, new SumPayload(numbers));
        await Jobs.CreateAsync(job, "Accepted: a sum of squares.", CancellationToken.None);
        return job;
    }

    private Task DeliverAsync(string jobId, long dequeueCount = 1) =>
        _services.GetRequiredService<JobRunner>().HandleAsync(
            new JobDelivery(QueueNames.HighPriority, JobMessage.For(jobId).ToJson(), dequeueCount), CancellationToken.None);

    private static List<string> PartIds(Job job) =>
        [.. Enumerable.Range(0, job.PartCount).Select(i => JobParts.IdOf(job.Id, job.PartsKey!, i))];

    private async Task<List<string>> QueuedIdsAsync() =>
        [.. (await fixture.Queues.GetQueueClient(QueueNames.HighPriority).PeekMessagesAsync(32)).Value
            .Select(m => JobMessage.TryParse(m.Body.ToString(), out var message, out _) ? message.JobId : "")];

    private async Task<List<(string Status, string Reason)>> HistoryAsync(string id) =>
        [.. (await Jobs.GetHistoryAsync(id, CancellationToken.None)).Select(e => (e.Status, e.Reason))];

    [Fact]
    public async Task ASplitJob_WaitsWithoutAWorker_ItsPartsEndingTogetherQueueItOnce_AndItsNextStageRunsOnce()
    {
        await fixture.ClearQueuesAsync();
        var job = await QueueAsync(1, 2, 3, 4, 5, 6);

        await DeliverAsync(job.Id);

        var waiting = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Waiting, 6, "000000", 0), (waiting.Status, waiting.PartCount, waiting.PartsDone, waiting.Attempts));
        Assert.Null(waiting.LeaseOwner); // no worker holds it
        var partIds = PartIds(waiting);
        Assert.Equal(partIds.Order(), (await QueuedIdsAsync()).Order()); // the parts are queued, nothing else
        Assert.All(partIds, id => Assert.Equal(JobRows.ShardOf(job.Id), JobRows.ShardOf(id))); // in the job's shard
        var part = await fixture.JobAsync(partIds[2]);
        Assert.Equal(JobRows.ShardOf(part.Id), part.PartitionKey); // where a read by its id looks, whatever the job's own layout
        Assert.Equal((SquareKind, JobStatus.Queued, job.Id, 2, 3L, job.Owner), (part.Kind, part.Status, part.ParentId, part.PartIndex, part.PartWeight, part.Owner));
        Assert.Equal($"Part 3 of 6 of job {job.Id}: the square of 3.", (await HistoryAsync(part.Id))[0].Reason);

        // A delivery of the job while its parts run does nothing.
        await DeliverAsync(job.Id);
        Assert.Equal(waiting.EventCount, (await fixture.JobAsync(job.Id)).EventCount);

        await fixture.ClearQueuesAsync();
        // Every part at the same moment: each records its end by a compare-and-set on the job; exactly one is the last.
        await Task.WhenAll(partIds.Select(id => Task.Run(() => DeliverAsync(id))));

        var ready = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Waiting, "111111"), (ready.Status, ready.PartsDone));
        var history = await HistoryAsync(job.Id);
        Assert.Equal(6, history.Count(e => e.Reason.Contains(" succeeded in ", StringComparison.Ordinal)));
        Assert.Single(history, e => e.Reason.EndsWith("Every part has succeeded: the next stage is queued.", StringComparison.Ordinal));
        Assert.Contains(history, e => e.Reason.StartsWith("Part 3 of 6 (square) succeeded in ", StringComparison.Ordinal) && e.Reason.Contains($"on {JobClaim.WorkerName}", StringComparison.Ordinal));
        Assert.Equal([job.Id], await QueuedIdsAsync()); // queued once for its next stage

        // Its message twice at once: one claim wins, the next stage runs once.
        await Task.WhenAll(Task.Run(() => DeliverAsync(job.Id)), Task.Run(() => DeliverAsync(job.Id, 2)));

        var done = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Succeeded, 1, 100), (done.Status, done.Attempts, done.Progress));
        Assert.Equal(new SumResult(91, 6), done.ResultAs<SumResult>());
        history = await HistoryAsync(job.Id);
        Assert.Single(history, e => e.Reason.StartsWith("Every part has succeeded: attempt 1 of the next stage started", StringComparison.Ordinal));
        Assert.Equal((JobStatus.Succeeded, "The sum of the squares is 91."), history[^1]);
        Assert.Equal(
            [JobStatus.Queued, JobStatus.Processing, JobStatus.Waiting, .. Enumerable.Repeat(JobStatus.Waiting, 6), JobStatus.Processing, JobStatus.Succeeded],
            history.Select(e => e.Status));
        Assert.InRange(_ended.Count(job.Id, JobStatus.Succeeded), 1, 2); // a delivery that finds it finished tells again (by design)
    }

    [Fact]
    public async Task AWaitingJobsProgress_IsItsPartsWeightedByTheirShare()
    {
        var job = await QueueAsync(1, 7, 2);
        await DeliverAsync(job.Id);
        var waiting = await fixture.JobAsync(job.Id);
        var parts = JobParts.ProgressOf(await _services.GetRequiredService<JobParts>().ReadAsync(waiting, CancellationToken.None));
        Assert.Equal(0, parts);

        var ids = PartIds(waiting);
        await DeliverAsync(ids[0]); // 1 of 10 done
        var running = Task.Run(() => DeliverAsync(ids[1])); // 7 of 10, at 50 %
        await SquareHandler.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(1)); // a heartbeat or more writes the part's progress

        var progress = JobParts.ProgressOf(await _services.GetRequiredService<JobParts>().ReadAsync(await fixture.JobAsync(job.Id), CancellationToken.None));
        Assert.Equal((int)Math.Floor(JobParts.PartsProgress * (1 + 7 * 0.5) / 10), progress);

        SquareHandler.Release.TrySetResult();
        await running;
        await DeliverAsync(ids[2]);
        await DeliverAsync(job.Id);
        Assert.Equal(new SumResult(54, 3), (await fixture.JobAsync(job.Id)).ResultAs<SumResult>());
    }

    [Fact]
    public async Task APartThatFails_FailsTheJobWithItsReason_AndTheOtherPartsAreCancelled()
    {
        var job = await QueueAsync(1, 13, 3);
        await DeliverAsync(job.Id);
        var ids = PartIds(await fixture.JobAsync(job.Id));

        await DeliverAsync(ids[0]);
        await DeliverAsync(ids[1]); // 13: a permanent fault

        var failed = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Failed, "Part 2 of 3 (square) failed: 13 cannot be squared here."), (failed.Status, failed.Error));
        Assert.Equal(1, _ended.Count(job.Id, JobStatus.Failed)); // its own end is told: its events go out
        Assert.Equal(JobStatus.Succeeded, (await fixture.JobAsync(ids[0])).Status);
        var cancelled = await fixture.JobAsync(ids[2]);
        Assert.Equal((JobStatus.Cancelled, "Its job failed; the part is not needed any more."), (cancelled.Status, cancelled.Error));

        await DeliverAsync(ids[2]); // its message comes: nothing runs
        Assert.Equal(cancelled.EventCount, (await fixture.JobAsync(ids[2])).EventCount);
        // ... but the job's end is told again (in case the telling that ended it was cut short: its parts would run on).
        Assert.Equal(2, _ended.Count(job.Id, JobStatus.Failed));
    }

    [Fact]
    public async Task CancellingTheJob_CancelsEveryPart_AndARunningPartStopsItsWork()
    {
        var job = await QueueAsync(7, 2);
        await DeliverAsync(job.Id);
        var waiting = await fixture.JobAsync(job.Id);
        var ids = PartIds(waiting);
        var running = Task.Run(() => DeliverAsync(ids[0]));
        await SquareHandler.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // What a cancel by request does (CancelVideoHandler): the move, then its listeners.
        var cancelled = (await Jobs.TryMoveAsync(waiting, JobStatus.Cancelled, "Cancelled by request.", j => j.Error = "Cancelled by request.", CancellationToken.None))!;
        await _services.GetRequiredService<JobEndListeners>().NotifyAsync(cancelled, CancellationToken.None);

        await running.WaitAsync(TimeSpan.FromSeconds(30)); // the running part noticed at a heartbeat and stopped
        Assert.False(SquareHandler.Release.Task.IsCompleted);
        foreach (var id in ids)
            Assert.Equal(JobStatus.Cancelled, (await fixture.JobAsync(id)).Status);
        Assert.Equal(JobStatus.Cancelled, (await fixture.JobAsync(job.Id)).Status);
        await DeliverAsync(ids[1]);
        Assert.Equal(JobStatus.Cancelled, (await fixture.JobAsync(ids[1])).Status);
    }

    [Fact]
    public async Task APartsEndNeverRecorded_IsFoundByTheJobsNextDelivery_AsTheSweeperSendsIt()
    {
        var job = await QueueAsync(2, 3);
        await DeliverAsync(job.Id);
        var ids = PartIds(await fixture.JobAsync(job.Id));
        await DeliverAsync(ids[0]);

        // The other part ends, and its worker dies before it tells the job (no listener runs).
        var part = await fixture.JobAsync(ids[1]);
        part = (await Jobs.TryMoveAsync(part, JobStatus.Processing, "Attempt 1 started.", j => j.Attempts = 1, CancellationToken.None))!;
        await Jobs.TryMoveAsync(part, JobStatus.Succeeded, "Squared 3.", j => j.Result = Offload.Jobs.JobPayload.Serialize(new SquareResult(9)), CancellationToken.None);
        var stuck = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Waiting, "10"), (stuck.Status, stuck.PartsDone));

        // The sweeper sends the waiting job's message once it is overdue; its claim reads the parts and catches up.
        var options = _services.GetRequiredService<Microsoft.Extensions.Options.IOptions<JobOptions>>().Value;
        Assert.Equal(stuck.UpdatedAt + options.RedeliverAfter, JobSweeper.DueAt(stuck, options));
        await DeliverAsync(job.Id);

        var done = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Succeeded, 13), (done.Status, done.ResultAs<SumResult>()!.Sum));
    }

    [Fact]
    public async Task APartTheJobDoesNotWaitFor_IsCancelledWhenItIsClaimed_AndARetriedJobSplitsAnew()
    {
        var job = await QueueAsync(1, 13);
        await DeliverAsync(job.Id);
        var first = await fixture.JobAsync(job.Id);
        var firstIds = PartIds(first);
        await DeliverAsync(firstIds[1]); // fails the job; part 1 is cancelled
        Assert.Equal(JobStatus.Failed, (await fixture.JobAsync(job.Id)).Status);

        // Sent through again by a person: the next run splits anew, under other ids.
        var retried = await _services.GetRequiredService<RetryJobHandler>().HandleAsync(TestCallers.Owner, job.Id, SumKind, CancellationToken.None);
        Assert.IsType<RetryJobResult.Queued>(retried);
        await DeliverAsync(job.Id);
        var second = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Waiting, "00"), (second.Status, second.PartsDone));
        var secondIds = PartIds(second);
        Assert.Empty(secondIds.Intersect(firstIds));

        // A part of a split the job no longer waits for (made by a run that died before it could wait), claimed: cancelled.
        var stray = Job.New(JobParts.IdOf(job.Id, "a-run-that-died", 0), SquareKind, job.Owner!, Jobs.Now, new SquarePayload(5));
        stray.ParentId = job.Id;
        await Jobs.CreateAsync(stray, "Part 1 of 2.", CancellationToken.None);
        await DeliverAsync(stray.Id);
        var strayNow = await fixture.JobAsync(stray.Id);
        Assert.Equal(JobStatus.Cancelled, strayNow.Status);
        Assert.StartsWith($"Its job {job.Id} does not wait for this part", strayNow.Error);
        Assert.Equal("00", (await fixture.JobAsync(job.Id)).PartsDone);
    }
}
