using Offload.Jobs;

namespace Offload.Tests.Jobs;

public class RetryPolicyTests
{
    private static readonly RetryPolicy Policy = new(MaxAttempts: 5, BaseDelay: TimeSpan.FromSeconds(10), MaxDelay: TimeSpan.FromMinutes(1));

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(3, 40)]
    [InlineData(4, 60)] // capped
    [InlineData(9, 60)]
    public void DelayAfter_DoublesUpToTheCap_WithoutJitterAtTheMiddle(int attempt, double seconds) =>
        Assert.Equal(seconds, Policy.DelayAfter(attempt, jitter: 0.5).TotalSeconds, precision: 6);

    [Fact]
    public void DelayAfter_SpreadsByTwentyPercentEitherWay()
    {
        Assert.Equal(16, Policy.DelayAfter(2, jitter: 0).TotalSeconds, precision: 6);
        Assert.Equal(24, Policy.DelayAfter(2, jitter: 0.999999).TotalSeconds, precision: 3);
    }

    [Fact]
    public void DelayAfter_IsZero_WithAZeroBase() =>
        Assert.Equal(TimeSpan.Zero, new RetryPolicy(3, TimeSpan.Zero, TimeSpan.FromMinutes(1)).DelayAfter(3, 0.7));
}
