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

    [Theory]
    [InlineData("welcome.html.liquid", "<p>Hello</p>\n<p>{{ name }</p>\n", "welcome.html.liquid line 2, column 11: End of tag '}}' was expected")]
    [InlineData("welcome.text.liquid", "Hello\n\n{{ nmae }},\n", "welcome.text.liquid line 3: 'nmae' is not a variable of this template")]
    [InlineData("welcome.htm.liquid", "<p>Hello {{ name }}</p>", "welcome.htm.liquid: not a template file")]
    public async Task Server_RefusesToStart_OnABrokenTemplate_NamingItsFileAndLine(string file, string content, string message)
    {
        var folder = Directory.CreateTempSubdirectory("offload-broken-templates").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, file), content);
        await using var azurite = await Azurite.StartAsync();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string> { ["Email__TemplatesPath"] = folder }));

        Assert.Contains("The server exited", failure.Message);
        Assert.Contains("The email templates are not valid", failure.Message);
        Assert.Contains($"{folder}/{message}", failure.Message);
        Directory.Delete(folder, recursive: true);
    }
}
