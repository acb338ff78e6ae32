using Offload.Jobs;

namespace Offload.Tests.Jobs;

public class JobStatusTests
{
    [Theory]
    [InlineData(JobStatus.Queued, JobStatus.Processing)]
    [InlineData(JobStatus.Queued, JobStatus.Failed)]
    [InlineData(JobStatus.Processing, JobStatus.Succeeded)]
    [InlineData(JobStatus.Processing, JobStatus.Retrying)]
    [InlineData(JobStatus.Processing, JobStatus.Failed)]
    [InlineData(JobStatus.Processing, JobStatus.Processing)] // re-claim after a worker died
    [InlineData(JobStatus.Retrying, JobStatus.Processing)]
    [InlineData(JobStatus.Retrying, JobStatus.Failed)]
    public void CanMove_AllowsTheDocumentedMoves(string from, string to) =>
        Assert.True(JobStatus.CanMove(from, to));

    [Theory]
    [InlineData(JobStatus.Queued, JobStatus.Succeeded)]
    [InlineData(JobStatus.Queued, JobStatus.Retrying)]
    [InlineData(JobStatus.Retrying, JobStatus.Succeeded)]
    [InlineData(JobStatus.Succeeded, JobStatus.Processing)]
    [InlineData(JobStatus.Succeeded, JobStatus.Failed)]
    [InlineData(JobStatus.Failed, JobStatus.Processing)]
    [InlineData(JobStatus.Failed, JobStatus.Queued)]
    [InlineData("unknown", JobStatus.Processing)]
    public void CanMove_RefusesEveryOtherMove(string from, string to) =>
        Assert.False(JobStatus.CanMove(from, to));

    [Fact]
    public void IsFinal_IsTrueOnlyForSucceededAndFailed() =>
        Assert.Equal([JobStatus.Succeeded, JobStatus.Failed], JobStatus.All.Where(JobStatus.IsFinal));

    [Fact]
    public void All_ListsTheFiveStatusValuesOfTheApi() =>
        Assert.Equal(["queued", "processing", "retrying", "succeeded", "failed"], JobStatus.All);
}
