using Microsoft.Extensions.DependencyInjection;
using Offload.Email;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Testing;

namespace Offload.IntegrationTests.Jobs;

/// <summary>
/// A kind of work that exists only in this test, registered the way a kind's folder registers itself: the core runs it
/// through its claims, retries, error policy, dead letters, history and end listeners with nothing kind-specific.
/// It shares <c>high-priority</c> with the email kind.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class TestOnlyKindTests(StorageFixture fixture) : IAsyncLifetime
{
    private const string Kind = "countdown";
    private ServiceProvider _services = null!;
    private readonly EndedJobs _ended = new();

    /// <summary>Fails transiently until attempt <see cref="SucceedOnAttempt"/>; or fails for good; or throws what only the kind's policy knows.</summary>
    public sealed record CountdownPayload(int SucceedOnAttempt, bool Never = false, bool Flaky = false) : IJobPayload
    {
        public static int Version => 1;
    }

    public sealed record CountdownResult(int Attempt, string RunId);

    /// <summary>An exception the handler does not wrap; the kind's registration says it is transient.</summary>
    public sealed class ServiceBusyException() : Exception("the service is busy");

    public sealed class CountdownHandler : IJobHandler<CountdownPayload>
    {
        public Task<JobResult> RunAsync(CountdownPayload payload, JobContext context, CancellationToken cancellationToken)
        {
            if (payload.Never)
                throw new PermanentJobException("The countdown can never reach zero.");
            if (payload.Flaky && context.Attempt < payload.SucceedOnAttempt)
                throw new ServiceBusyException();
            if (context.Attempt < payload.SucceedOnAttempt)
                throw new TransientJobException($"Not yet: attempt {context.Attempt} of {context.MaxAttempts}.");
            context.ReportProgress(50);
            return Task.FromResult(new JobResult($"Reached zero on attempt {context.Attempt}.", new CountdownResult(context.Attempt, context.RunId)));
        }
    }

    public Task InitializeAsync()
    {
        _services = fixture.CreateServices(configure: services =>
        {
            services.AddJobKind<CountdownPayload, CountdownHandler>(Kind, QueueNames.HighPriority, kind =>
            {
                kind.Retry = _ => new RetryPolicy(3, TimeSpan.Zero, TimeSpan.Zero); // the next delivery may start at once
                kind.Faults = ex => ex is ServiceBusyException ? JobFault.Retry("The service was busy.") : null;
            });
            services.AddSingleton<IJobEndListener>(_ended);
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private JobStore Jobs => _services.GetRequiredService<JobStore>();

    private async Task<Job> QueueAsync(CountdownPayload payload)
    {
        var job = Job.New(JobId.New(), Kind, TestCallers.Owner.OwnerId, Jobs.Now, payload);
        await Jobs.CreateAsync(job, "Accepted: a countdown.", CancellationToken.None);
        return job;
    }

    private Task DeliverAsync(string jobId, long dequeueCount = 1, string queue = QueueNames.HighPriority) =>
        _services.GetRequiredService<JobRunner>().HandleAsync(new JobDelivery(queue, JobMessage.For(jobId).ToJson(), dequeueCount), CancellationToken.None);

    [Fact]
    public async Task ATransientFault_IsRetriedWithBackoff_ThenTheResultIsStored_AndListenersAreTold()
    {
        var job = await QueueAsync(new CountdownPayload(SucceedOnAttempt: 3));

        for (var delivery = 1; delivery <= 3; delivery++)
            await DeliverAsync(job.Id, delivery);

        var done = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Succeeded, 3, 100), (done.Status, done.Attempts, done.Progress));
        var result = done.ResultAs<CountdownResult>()!;
        Assert.Equal(3, result.Attempt);
        Assert.Equal(32, result.RunId.Length); // the run's own id, as its lease owner was
        var history = (await Jobs.GetHistoryAsync(job.Id, CancellationToken.None)).Select(e => (e.Status, e.Reason)).ToList();
        Assert.Equal(
        [
            (JobStatus.Queued, "Accepted: a countdown."),
            (JobStatus.Processing, "Attempt 1 started."),
            (JobStatus.Retrying, "Attempt 1 failed: Not yet: attempt 1 of 3. Next attempt in 0 s."),
            (JobStatus.Processing, "Attempt 2 started."),
            (JobStatus.Retrying, "Attempt 2 failed: Not yet: attempt 2 of 3. Next attempt in 0 s."),
            (JobStatus.Processing, "Attempt 3 started."),
            (JobStatus.Succeeded, "Reached zero on attempt 3."),
        ], history);
        Assert.Equal(JobStatus.Succeeded, Assert.Single(_ended.Jobs, j => j.Id == job.Id).Status);

        await DeliverAsync(job.Id, 4); // a duplicate delivery after the end: nothing runs again
        Assert.Equal(done.EventCount, (await fixture.JobAsync(job.Id)).EventCount);
    }

    [Fact]
    public async Task TheAttemptLimit_OfTheKindsPolicy_EndsTheJobFailed_WithTheLastReason()
    {
        var job = await QueueAsync(new CountdownPayload(SucceedOnAttempt: 10));

        for (var delivery = 1; delivery <= 3; delivery++)
            await DeliverAsync(job.Id, delivery);

        var failed = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Failed, 3), (failed.Status, failed.Attempts));
        Assert.Equal("Gave up after 3 attempts: Not yet: attempt 3 of 3.", failed.Error);
    }

    [Fact]
    public async Task APermanentFault_FailsAtOnce_AndAFaultTheKindClassifies_IsRetriedWithItsReason()
    {
        var never = await QueueAsync(new CountdownPayload(SucceedOnAttempt: 1, Never: true));
        var flaky = await QueueAsync(new CountdownPayload(SucceedOnAttempt: 2, Flaky: true));

        await DeliverAsync(never.Id);
        await DeliverAsync(flaky.Id);

        var failed = await fixture.JobAsync(never.Id);
        Assert.Equal((JobStatus.Failed, 1, "The countdown can never reach zero."), (failed.Status, failed.Attempts, failed.Error));
        var retrying = await fixture.JobAsync(flaky.Id);
        Assert.Equal((JobStatus.Retrying, "The service was busy."), (retrying.Status, retrying.Error));

        await DeliverAsync(flaky.Id, 2);
        Assert.Equal(JobStatus.Succeeded, (await fixture.JobAsync(flaky.Id)).Status);
    }

    [Fact]
    public async Task ADeadMessage_FailsTheJob_AndTellsTheListeners()
    {
        var job = await QueueAsync(new CountdownPayload(SucceedOnAttempt: 10));
        await DeliverAsync(job.Id); // retrying, like a job whose next deliveries all failed

        await _services.GetRequiredService<DeadLetterHandler>()
            .HandleAsync(new DeadLetterCommand(QueueNames.HighPriority, JobMessage.For(job.Id).ToJson(), 5), CancellationToken.None);

        var failed = await fixture.JobAsync(job.Id);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.StartsWith("Its message could not be processed and was moved to high-priority-poison; the last error was: Not yet", failed.Error);
        Assert.Contains(_ended.Jobs, j => j.Id == job.Id && j.Status == JobStatus.Failed);
    }

    [Fact]
    public async Task KindsShareAQueue_AJobOnTheWrongQueueMovesOn_AndAnUnknownKindGoesToPoison()
    {
        await fixture.ClearQueuesAsync();
        var countdown = await QueueAsync(new CountdownPayload(SucceedOnAttempt: 1));
        var email = await _services.GetRequiredService<QueueEmailHandler>().HandleAsync(
            new QueueEmailCommand(TestCallers.Owner.OwnerId, "ada@example.com", "welcome", new Dictionary<string, string> { ["name"] = "Ada" }),
            CancellationToken.None);
        var emailJob = Assert.IsType<QueueEmailResult.Accepted>(email).Job;

        await DeliverAsync(countdown.Id, queue: QueueNames.HeavyCompute); // a message from before its kind moved
        var moved = (await fixture.Queues.GetQueueClient(QueueNames.HighPriority).PeekMessagesAsync(32)).Value;
        Assert.Contains(moved, m => m.Body.ToString().Contains(countdown.Id, StringComparison.Ordinal));
        Assert.Equal(JobStatus.Queued, (await fixture.JobAsync(countdown.Id)).Status);

        // One trigger, two kinds: each job runs its own kind's handler.
        await DeliverAsync(countdown.Id);
        await DeliverAsync(emailJob.Id);
        Assert.Equal(JobStatus.Succeeded, (await fixture.JobAsync(countdown.Id)).Status);
        Assert.Equal(JobStatus.Succeeded, (await fixture.JobAsync(emailJob.Id)).Status);

        // The app without the test's kind (a worker of an older version) cannot run it: the message dies, and so does the job.
        var unknown = await QueueAsync(new CountdownPayload(SucceedOnAttempt: 1));
        await fixture.Services.GetRequiredService<JobRunner>()
            .HandleAsync(new JobDelivery(QueueNames.HighPriority, JobMessage.For(unknown.Id).ToJson(), 1), CancellationToken.None);
        var poison = (await fixture.Queues.GetQueueClient(QueueNames.HighPriorityPoison).PeekMessagesAsync(32)).Value;
        Assert.Contains(poison, m => m.Body.ToString().Contains(unknown.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task APayloadOfANewerVersion_WaitsForANewerWorker_AndFailsWithAReasonAtTheLimit_InsteadOfBeingMisread()
    {
        var job = await QueueAsync(new CountdownPayload(SucceedOnAttempt: 1));
        var stored = await fixture.JobAsync(job.Id);
        stored.PayloadVersion = 2; // written by a newer version of the kind
        await fixture.Tables.GetTableClient(Offload.Storage.StorageNames.JobsTable).UpdateEntityAsync(stored, stored.ETag, Azure.Data.Tables.TableUpdateMode.Replace);

        await DeliverAsync(job.Id);
        var waiting = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Retrying, "The job's countdown payload is version 2; this worker reads version 1, so it waits for a newer worker."),
            (waiting.Status, waiting.Error));

        await DeliverAsync(job.Id, 2);
        await DeliverAsync(job.Id, 3);
        var failed = await fixture.JobAsync(job.Id);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal("Gave up after 3 attempts: The job's countdown payload is version 2; this worker reads version 1, so it waits for a newer worker.", failed.Error);
    }
}
