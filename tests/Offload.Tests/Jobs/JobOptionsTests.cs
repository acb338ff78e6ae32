using System.ComponentModel.DataAnnotations;
using Offload.Jobs;

namespace Offload.Tests.Jobs;

public class JobOptionsTests
{
    private static List<ValidationResult> Validate(JobOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Defaults_AreValid() => Assert.Empty(Validate(new JobOptions()));

    [Fact]
    public void ALeaseShorterThanThreeHeartbeats_IsRefused_NamingBothSettings()
    {
        var problem = Assert.Single(Validate(new JobOptions { HeartbeatInterval = TimeSpan.FromSeconds(2), LeaseDuration = TimeSpan.FromSeconds(5) }));

        Assert.Contains("Jobs:LeaseDuration", problem.ErrorMessage);
        Assert.Contains("Jobs:HeartbeatInterval", problem.ErrorMessage);
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(100, true)]
    [InlineData(101, false)]
    public void MaxRetries_IsBetweenNoneAndAHundred(int maxRetries, bool valid) =>
        Assert.Equal(valid, Validate(new JobOptions { MaxRetries = maxRetries }).Count == 0);
}
