using System.Text.Json;
using Offload.IntegrationTests.Infra;
using Offload.Testing;

namespace Offload.IntegrationTests.Functions;

/// <summary>The package that is deployed to both function apps, as <c>dotnet publish</c> makes it.</summary>
public sealed class PublishTests : IAsyncLifetime
{
    private readonly string _output = Directory.CreateTempSubdirectory("offload-publish").FullName;

    public async Task InitializeAsync()
    {
        await Command.RunAsync("dotnet", "publish", Path.Combine(Repo.Root, "src", "Offload.Functions"),
            "-c", Repo.Configuration, "--no-build", "-o", _output, "-nologo");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_output, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public void Package_HoldsWhatTheFunctionsHostLoads()
    {
        Assert.True(File.Exists(Path.Combine(_output, "host.json")));
        Assert.True(File.Exists(Path.Combine(_output, "functions.metadata")));
        Assert.True(File.Exists(Path.Combine(_output, "Offload.Functions.dll")));
        Assert.True(File.Exists(Path.Combine(_output, ".azurefunctions", "Microsoft.Azure.WebJobs.Extensions.Storage.Queues.dll")));
        Assert.False(File.Exists(Path.Combine(_output, "local.settings.json")));
    }

    [Fact]
    public async Task Package_ShipsAStaticFfmpegThatRuns()
    {
        foreach (var tool in new[] { "ffmpeg", "ffprobe" })
        {
            var path = Path.Combine(_output, "ffmpeg", tool);
            Assert.True(File.Exists(path), $"{path} is missing");
            var version = await Ffmpeg.RunAsync(path, "-version");
            Assert.StartsWith($"{tool} version", version);
        }
    }

    [Fact]
    public async Task DisabledFunctionsInTheInfra_AreRealFunctions_AndEachRunsInExactlyOneApp()
    {
        using var metadata = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_output, "functions.metadata")));
        var functions = metadata.RootElement.EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToHashSet();
        var variables = (await Bicep.TemplateAsync()).GetProperty("variables");

        HashSet<string> Disabled(string app) => variables.GetProperty(app).EnumerateObject()
            .Where(p => p.Name.StartsWith("AzureWebJobs.", StringComparison.Ordinal) && p.Name.EndsWith(".Disabled", StringComparison.Ordinal))
            .Select(p => p.Name["AzureWebJobs.".Length..^".Disabled".Length]).ToHashSet();
        var offInApi = Disabled("apiRoleSettings");
        var offInEncode = Disabled("encodeRoleSettings");

        Assert.Subset(functions, offInApi);
        Assert.Subset(functions, offInEncode);
        foreach (var function in functions)
            Assert.True(offInApi.Contains(function) ^ offInEncode.Contains(function), $"{function} must run in exactly one app");
        Assert.Equal(["EncodeVideoFunction"], functions.Except(offInEncode));
    }
}
