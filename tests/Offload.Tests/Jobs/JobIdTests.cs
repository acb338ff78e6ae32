using Offload.Jobs;

namespace Offload.Tests.Jobs;

public class JobIdTests
{
    [Fact]
    public void New_IsValidAndUnique()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => JobId.New()).ToList();
        Assert.All(ids, id => Assert.True(JobId.IsValid(id)));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void New_IsOrderedByTime()
    {
        var first = JobId.New();
        Thread.Sleep(2);
        Assert.True(string.CompareOrdinal(first, JobId.New()) < 0);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-an-id")]
    [InlineData("0193A0B1C2D3E4F5A6B7C8D9E0F1A2B3")] // upper case
    [InlineData("0193a0b1c2d3e4f5a6b7c8d9e0f1a2b")] // 31 characters
    [InlineData("0193a0b1-c2d3-e4f5-a6b7-c8d9e0f1")]
    [InlineData("../../etc/passwd0000000000000000")]
    public void IsValid_RefusesAnythingElse(string? value) => Assert.False(JobId.IsValid(value));
}
