using System.Text.Json;
using Offload.IntegrationTests.Infra;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;
using Offload.Videos;

namespace Offload.IntegrationTests.Functions;

/// <summary>The package, published once for the class: a publish copies ~270 MB.</summary>
public sealed class PublishedPackage : IAsyncLifetime
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("offload-publish").FullName;

    public string FfmpegFolder => Path.Combine(Folder, BundledFfmpeg.FolderName);

    public async Task InitializeAsync()
    {
        await Command.RunAsync("dotnet", "publish", Path.Combine(Repo.Root, "src", "Offload.Functions"),
            "-c", Repo.Configuration, "--no-build", "-o", Folder, "-nologo");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>The package that is deployed to both function apps, as <c>dotnet publish</c> makes it.</summary>
public sealed class PublishTests(PublishedPackage package) : IClassFixture<PublishedPackage>
{
    private readonly string _output = package.Folder;

    [Fact]
    public void Package_HoldsWhatTheFunctionsHostLoads()
    {
        Assert.True(File.Exists(Path.Combine(_output, "host.json")));
        Assert.True(File.Exists(Path.Combine(_output, "functions.metadata")));
        Assert.True(File.Exists(Path.Combine(_output, "Offload.Functions.dll")));
        Assert.True(File.Exists(Path.Combine(_output, ".azurefunctions", "Microsoft.Azure.WebJobs.Extensions.Storage.Queues.dll")));
        Assert.False(File.Exists(Path.Combine(_output, "local.settings.json")));
        // The built-in email templates, read from beside the app (Offload.csproj copies them).
        foreach (var file in new[] { "welcome.json", "welcome.subject.liquid", "welcome.text.liquid", "welcome.html.liquid", "video-ready.json" })
            Assert.True(File.Exists(Path.Combine(_output, "Email", "Templates", file)), $"Email/Templates/{file} is missing");
    }

    [Fact]
    public async Task Package_ShipsDebiansFfmpeg_WithItsLibrariesLoaderManifestAndLicences()
    {
        foreach (var file in new[] { "bin/ffmpeg", "bin/ffprobe", $"lib/{BundledFfmpeg.Loader}", "lib/libavcodec.so.59", "lib/libx264.so.164", "lib/libc.so.6", "LICENSE.txt", "copyright/ffmpeg", "copyright/libx264-164" })
            Assert.True(File.Exists(Path.Combine(package.FfmpegFolder, file)), $"ffmpeg/{file} is missing");

        // Every file is the one the checksums name: the list Prepare copies is the whole bundle.
        var check = await Command.ExecAsync("bash", ["-c", $"cd '{package.FfmpegFolder}' && sha256sum --strict -c {BundledFfmpeg.ChecksumsFile}"]);
        Assert.True(check.ExitCode == 0, check.Output + check.Error);

        // The manifest says which Debian build shipped, so an operator can check it against Debian's security tracker.
        var manifest = await File.ReadAllLinesAsync(Path.Combine(package.FfmpegFolder, "MANIFEST.txt"));
        var installed = await Command.RunAsync("dpkg-query", "-W", "-f=${Version}", "ffmpeg");
        Assert.Contains($"ffmpeg {installed}", manifest);
        Assert.Contains(manifest, line => line.StartsWith("libavcodec59:amd64 ", StringComparison.Ordinal) && line.EndsWith($" {installed}", StringComparison.Ordinal));
        Assert.Contains("lib/libx264.so.164 libx264-164:amd64", manifest);
        Assert.StartsWith("7:5.1.", installed); // Debian 12's security-maintained ffmpeg
    }

    [Theory]
    [InlineData("ffmpeg")]
    [InlineData("ffprobe")]
    public async Task PackagedFfmpeg_ReportsDebiansVersion_WithNothingFromTheMachine(string tool)
    {
        var result = await IsolatedFfmpeg.RunAsync(package.FfmpegFolder, tool, "-version");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.StartsWith($"{tool} version {await IsolatedFfmpeg.DebianVersionAsync()} ", result.Output);
        Assert.Contains("--enable-libx264", result.Output);
    }

    [Fact]
    public async Task PackagedFfmpeg_EncodesToH264AndAac_WithNothingFromTheMachine()
    {
        var output = Path.Combine(_output, "encoded.mp4");

        var encode = await IsolatedFfmpeg.RunAsync(package.FfmpegFolder, "ffmpeg", "-v", "error", "-y", "-i", await TestClips.PathOf(Clip.WithAudio),
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart", output);
        var probe = await IsolatedFfmpeg.RunAsync(package.FfmpegFolder, "ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", output);

        Assert.True(encode.ExitCode == 0, encode.Error);
        Assert.True(probe.ExitCode == 0, probe.Error);
        Assert.Equal(["h264", "aac"], probe.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var facts = await Ffmpeg.ProbeAsync(output); // and the machine's own ffprobe agrees
        Assert.Equal(("h264", "aac", "yuv420p"), (facts.VideoCodec, facts.AudioCodec, facts.PixelFormat));
        Assert.True(facts.DurationSeconds > 2.5, $"{facts.DurationSeconds} s");
    }

    [Fact]
    public async Task DisabledFunctionsInTheInfra_AreRealFunctions_AndEachRunsInExactlyOneApp()
    {
        using var metadata = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_output, "functions.metadata")));
        var functions = metadata.RootElement.EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToHashSet();
        async Task<HashSet<string>> DisabledAsync(string app) => (await Bicep.AppSettingsAsync(app)).EnumerateObject()
            .Where(p => p.Name.StartsWith("AzureWebJobs.", StringComparison.Ordinal) && p.Name.EndsWith(".Disabled", StringComparison.Ordinal))
            .Select(p => p.Name["AzureWebJobs.".Length..^".Disabled".Length]).ToHashSet();
        var offInApi = await DisabledAsync("api");
        var offInEncode = await DisabledAsync("encode");

        Assert.Subset(functions, offInApi);
        Assert.Subset(functions, offInEncode);
        foreach (var function in functions)
            Assert.True(offInApi.Contains(function) ^ offInEncode.Contains(function), $"{function} must run in exactly one app");
        Assert.Equal(["HeavyComputeFunction"], functions.Except(offInEncode));
    }
}
