using Offload.Testing;

namespace Offload.IntegrationTests.Server;

/// <summary>A setting that cannot work stops the server at start-up, with a message naming it.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("Encoding__TimeLimit", "03:00:00", "Encoding:TimeLimit (03:00:00) must be below the host's functionTimeout (02:00:00)")]
    [InlineData("Jobs__LeaseDuration", "00:00:02", "Jobs:LeaseDuration (00:00:02) must be at least three heartbeats")]
    public async Task Server_RefusesToStart_OnSettingsThatCannotWork(string setting, string value, string message)
    {
        await using var azurite = await Azurite.StartAsync();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string> { [setting] = value }));

        Assert.Contains("The server exited", failure.Message);
        Assert.Contains(message, failure.Message);
    }
}
