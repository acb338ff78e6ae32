using Offload.Jobs;

namespace Offload.Tests.Jobs;

public class JobStatusTests
{
    [Theory]
    [InlineData(JobStatus.Queued, JobStatus.Processing)]
    [InlineData(JobStatus.Queued, JobStatus.Failed)]
    [InlineData(JobStatus.Queued, JobStatus.Cancelled)]
    [InlineData(JobStatus.Processing, JobStatus.Succeeded)]
    [InlineData(JobStatus.Processing, JobStatus.Retrying)]
    [InlineData(JobStatus.Processing, JobStatus.Failed)]
    [InlineData(JobStatus.Processing, JobStatus.Cancelled)]
    [InlineData(JobStatus.Processing, JobStatus.Processing)] // re-claim after the worker's lease ran out
    [InlineData(JobStatus.Retrying, JobStatus.Processing)]
    [InlineData(JobStatus.Retrying, JobStatus.Failed)]
    [InlineData(JobStatus.Retrying, JobStatus.Cancelled)]
    [InlineData(JobStatus.Processing, JobStatus.Waiting)]  // split into parts
    [InlineData(JobStatus.Waiting, JobStatus.Waiting)]     // a part ended
    [InlineData(JobStatus.Waiting, JobStatus.Processing)]  // every part succeeded: the next stage
    [InlineData(JobStatus.Waiting, JobStatus.Failed)]      // a part failed
    [InlineData(JobStatus.Waiting, JobStatus.Cancelled)]
    [InlineData(JobStatus.Failed, JobStatus.Queued)]    // retry by request
    [InlineData(JobStatus.Cancelled, JobStatus.Queued)] // retry by request
    public void CanMove_AllowsTheDocumentedMoves(string from, string to) =>
        Assert.True(JobStatus.CanMove(from, to));

    [Theory]
    [InlineData(JobStatus.Queued, JobStatus.Succeeded)]
    [InlineData(JobStatus.Queued, JobStatus.Retrying)]
    [InlineData(JobStatus.Retrying, JobStatus.Succeeded)]
    [InlineData(JobStatus.Succeeded, JobStatus.Processing)]
    [InlineData(JobStatus.Succeeded, JobStatus.Failed)]
    [InlineData(JobStatus.Succeeded, JobStatus.Queued)]
    [InlineData(JobStatus.Succeeded, JobStatus.Cancelled)]
    [InlineData(JobStatus.Failed, JobStatus.Processing)]
    [InlineData(JobStatus.Failed, JobStatus.Cancelled)]
    [InlineData(JobStatus.Cancelled, JobStatus.Processing)]
    [InlineData(JobStatus.Cancelled, JobStatus.Failed)]
    [InlineData(JobStatus.Queued, JobStatus.Waiting)]
    [InlineData(JobStatus.Retrying, JobStatus.Waiting)]
    [InlineData(JobStatus.Waiting, JobStatus.Succeeded)]
    [InlineData(JobStatus.Waiting, JobStatus.Retrying)]
    [InlineData(JobStatus.Waiting, JobStatus.Queued)]
    [InlineData("unknown", JobStatus.Processing)]
    public void CanMove_RefusesEveryOtherMove(string from, string to) =>
        Assert.False(JobStatus.CanMove(from, to));

    [Fact]
    public void IsFinal_IsTrueForSucceededFailedAndCancelled() =>
        Assert.Equal([JobStatus.Succeeded, JobStatus.Failed, JobStatus.Cancelled], JobStatus.All.Where(JobStatus.IsFinal));

    [Fact]
    public void CanRetry_OnlyAJobThatFailedOrWasCancelled() =>
        Assert.Equal([JobStatus.Failed, JobStatus.Cancelled], JobStatus.All.Where(JobStatus.CanRetry));

    [Fact]
    public void All_ListsTheSevenStatusValuesOfTheApi() =>
        Assert.Equal(["queued", "processing", "retrying", "waiting", "succeeded", "failed", "cancelled"], JobStatus.All);
}
