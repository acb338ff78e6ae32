using Microsoft.Extensions.DependencyInjection;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Testing;
using Offload.Videos;

namespace Offload.IntegrationTests.Jobs;

/// <summary>No job outlives its dead message: the poison-queue handler ends it failed, with the reason.</summary>
[Collection(StorageCollection.Name)]
public sealed class DeadLetterTests(StorageFixture fixture)
{
    private async Task<Job> JobInAsync(string status, string? error = null)
    {
        var job = TestJobs.New(JobId.New(), VideoJob.Kind, TestCallers.Owner.OwnerId, fixture.Jobs.Now);
        await fixture.Jobs.CreateAsync(job, "test", CancellationToken.None);
        if (status == JobStatus.Queued)
            return job;
        var processing = (await fixture.Jobs.TryMoveAsync(job, JobStatus.Processing, "test", j => j.Attempts++, CancellationToken.None))!;
        return status == JobStatus.Processing
            ? processing
            : (await fixture.Jobs.TryMoveAsync(processing, status, "test", j => j.Error = error, CancellationToken.None))!;
    }

    private Task DieAsync(string body) =>
        fixture.Services.GetRequiredService<DeadLetterHandler>()
            .HandleAsync(new DeadLetterCommand(QueueNames.HeavyCompute, body, 1), CancellationToken.None);

    [Theory]
    [InlineData(JobStatus.Queued)]
    [InlineData(JobStatus.Processing)]
    public async Task DeadMessage_FailsAnUnfinishedJob(string status)
    {
        var job = await JobInAsync(status);

        await DieAsync(JobMessage.For(job.Id).ToJson());

        var failed = await fixture.Jobs.GetAsync(job.Id, CancellationToken.None);
        Assert.Equal(JobStatus.Failed, failed!.Status);
        Assert.Contains("moved to heavy-compute-poison", failed.Error);
    }

    [Fact]
    public async Task DeadMessage_KeepsTheLastErrorOfARetryingJob()
    {
        var job = await JobInAsync(JobStatus.Retrying, "Storage was unavailable (503 ServerBusy).");

        await DieAsync(JobMessage.For(job.Id).ToJson());

        Assert.EndsWith("the last error was: Storage was unavailable (503 ServerBusy).", (await fixture.Jobs.GetAsync(job.Id, CancellationToken.None))!.Error);
    }

    [Fact]
    public async Task DeadMessage_LeavesAFinishedJobAlone()
    {
        var job = await JobInAsync(JobStatus.Succeeded);

        await DieAsync(JobMessage.For(job.Id).ToJson());

        Assert.Equal(job.ETag, (await fixture.Jobs.GetAsync(job.Id, CancellationToken.None))!.ETag);
    }

    [Fact]
    public async Task MalformedDeadMessage_IsLogged_AndNothingThrows()
    {
        await DieAsync("{\"not\":\"a job\"}");

        Assert.Contains(fixture.Logs.Entries, e => e.EventId.Id == 1011 && e.Message.Contains("{\"not\":\"a job\"}", StringComparison.Ordinal));
    }
}
