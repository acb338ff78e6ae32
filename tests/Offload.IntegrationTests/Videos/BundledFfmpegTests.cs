using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;
using Offload.Videos;
using Offload.Videos.Pictures;

namespace Offload.IntegrationTests.Videos;

/// <summary>
/// A package folder with the bundle eng/bundle-ffmpeg.sh makes, mounted the way Azure mounts it: read-only, no
/// execute bits.
/// </summary>
public sealed class ReadOnlyPackage : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("offload-package").FullName;
    public string Temp { get; } = Directory.CreateTempSubdirectory("offload-temp").FullName;

    public async Task InitializeAsync()
    {
        await Command.RunAsync("bash", Path.Combine(Repo.Root, "eng", "bundle-ffmpeg.sh"), Path.Combine(Root, BundledFfmpeg.FolderName));
        await Command.RunAsync("find", Root, "(", "-type", "f", "-exec", "chmod", "0444", "{}", "+", ")", "-o", "(", "-type", "d", "-exec", "chmod", "0555", "{}", "+", ")");
    }

    public async Task DisposeAsync()
    {
        await Command.RunAsync("chmod", "-R", "u+w", Root);
        Directory.Delete(Root, recursive: true);
        Directory.Delete(Temp, recursive: true);
    }
}

/// <summary>Azure mounts the package read-only and drops the execute bit: the shipped ffmpeg must still run, on its own libraries.</summary>
public sealed class BundledFfmpegTests(ReadOnlyPackage package) : IClassFixture<ReadOnlyPackage>
{
    [Fact]
    public async Task Prepare_MakesAReadOnlyNonExecutableBundleRunnable_WithAnEmptyEnvironment()
    {
        Assert.False(File.GetUnixFileMode(Path.Combine(package.Root, "ffmpeg", "lib", BundledFfmpeg.Loader)).HasFlag(UnixFileMode.UserExecute));

        var folder = BundledFfmpeg.Prepare(package.Root, package.Temp);

        Assert.NotNull(folder);
        Assert.StartsWith(package.Temp, folder);
        var version = await IsolatedFfmpeg.DebianVersionAsync();
        foreach (var tool in new[] { "ffmpeg", "ffprobe" })
        {
            var result = await Command.ExecAsync("env", ["-i", Path.Combine(folder, tool), "-version"]);
            Assert.True(result.ExitCode == 0, result.Error);
            Assert.StartsWith($"{tool} version {version} ", result.Output);
        }

        Assert.Equal(folder, BundledFfmpeg.Prepare(package.Root, package.Temp)); // a second start reuses the copy
    }

    [Fact]
    public async Task Prepare_StartsFfmpegWithTheBundledLibrariesOnly()
    {
        var folder = BundledFfmpeg.Prepare(package.Root, package.Temp)!;

        // The loader's own report of every object it initialises. The script's /bin/sh is loaded first (from the
        // machine, as it should be); what follows its "transferring control" is ffmpeg's process.
        var result = await Command.ExecAsync("env", ["-i", "LD_DEBUG=libs", Path.Combine(folder, "ffmpeg"), "-version"]);

        Assert.True(result.ExitCode == 0, result.Error);
        const string ShellDone = "transferring control: /bin/sh";
        var shell = result.Error.LastIndexOf(ShellDone, StringComparison.Ordinal);
        Assert.True(shell >= 0, result.Error);
        var ffmpeg = result.Error[(shell + ShellDone.Length)..];
        var loaded = Regex.Matches(ffmpeg, @"calling init: (\S+)").Select(m => m.Groups[1].Value).ToList();
        Assert.True(loaded.Count > 100, $"only {loaded.Count} objects in:\n{ffmpeg}");
        Assert.All(loaded, path => Assert.StartsWith(Path.Combine(folder, "lib") + "/", path));
        Assert.DoesNotContain("search cache=", ffmpeg);
        Assert.Contains($"transferring control: {Path.Combine(folder, "bin", "ffmpeg")}", ffmpeg);
    }

    [Fact]
    public async Task Prepare_GivesFfmpegCoreAnFfmpegThatEncodesToH264AndAac()
    {
        var encoder = new VideoEncoder(Options.Create(new EncodingOptions { FfmpegFolder = BundledFfmpeg.Prepare(package.Root, package.Temp) }));
        var source = await TestClips.PathOf(Clip.WithAudio);
        var output = Path.Combine(package.Temp, $"{Guid.NewGuid():N}.mp4");

        var info = await encoder.ProbeAsync(source, CancellationToken.None);
        Assert.NotNull(info);
        var pictures = Directory.CreateDirectory(Path.Combine(package.Temp, $"{Guid.NewGuid():N}")).FullName;
        await encoder.EncodeAsync(source, info, output, _ => { }, CancellationToken.None);

        var facts = await Ffmpeg.ProbeAsync(output);
        Assert.Equal(("h264", "aac", "yuv420p"), (facts.VideoCodec, facts.AudioCodec, facts.PixelFormat));
        Assert.True(facts.MoovBeforeMdat);
        // The pictures' filters (signalstats, thumbnail, tile) and the JPEG encoder are in the bundled build too.
        var made = await encoder.MakePicturesAsync(output, info, (await encoder.ProbeAsync(output, CancellationToken.None))!, pictures, CancellationToken.None);
        var plan = new PicturePlan(info.Duration);
        Assert.Equal((320, 240, plan.ThumbnailTimes.Count, plan.TileSlots), (made.Poster.Width, made.Poster.Height, made.Thumbnails.Count, made.Tiles));
    }

    [Fact]
    public async Task Prepare_CopiesAgain_WhenFilesOfAnEarlierCopyAreGone()
    {
        var folder = BundledFfmpeg.Prepare(package.Root, package.Temp)!;
        File.Delete(Path.Combine(folder, "lib", "libx264.so.164")); // as a temp cleaner would

        Assert.Equal(folder, BundledFfmpeg.Prepare(package.Root, package.Temp));
        Assert.True(File.Exists(Path.Combine(folder, "lib", "libx264.so.164")));
        Assert.Equal(0, (await Command.ExecAsync("env", ["-i", Path.Combine(folder, "ffmpeg"), "-version"])).ExitCode);
    }

    [Fact]
    public void Prepare_ReturnsNull_WhenThePackageShipsNoFfmpeg() =>
        Assert.Null(BundledFfmpeg.Prepare(Directory.CreateTempSubdirectory().FullName, Path.GetTempPath()));
}
