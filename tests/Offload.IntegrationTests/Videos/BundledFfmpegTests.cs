using Offload.Testing;
using Offload.Videos;

namespace Offload.IntegrationTests.Videos;

/// <summary>Azure mounts the package read-only and drops the execute bit: the shipped ffmpeg must still run.</summary>
public sealed class BundledFfmpegTests
{
    [Fact]
    public async Task Prepare_MakesAReadOnlyNonExecutableFfmpegRunnable()
    {
        var package = Directory.CreateTempSubdirectory("offload-package").FullName;
        var temp = Directory.CreateTempSubdirectory("offload-temp").FullName;
        var shipped = Path.Combine(package, BundledFfmpeg.FolderName);
        Directory.CreateDirectory(shipped);
        try
        {
            File.Copy(Path.Combine(Repo.Root, "node_modules", "@ffmpeg-installer", "linux-x64", "ffmpeg"), Path.Combine(shipped, "ffmpeg"));
            File.Copy(Path.Combine(Repo.Root, "node_modules", "@ffprobe-installer", "linux-x64", "ffprobe"), Path.Combine(shipped, "ffprobe"));
            foreach (var file in Directory.GetFiles(shipped))
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.SetUnixFileMode(shipped, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

            var folder = BundledFfmpeg.Prepare(package, temp);

            Assert.NotNull(folder);
            Assert.StartsWith(temp, folder);
            Assert.StartsWith("ffmpeg version", await Ffmpeg.RunAsync(Path.Combine(folder, "ffmpeg"), "-version"));
            Assert.StartsWith("ffprobe version", await Ffmpeg.RunAsync(Path.Combine(folder, "ffprobe"), "-version"));
            Assert.Equal(folder, BundledFfmpeg.Prepare(package, temp)); // a second start reuses the copy
        }
        finally
        {
            File.SetUnixFileMode(shipped, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Delete(package, recursive: true);
            Directory.Delete(temp, recursive: true);
        }
    }

    [Fact]
    public void Prepare_ReturnsNull_WhenThePackageShipsNoFfmpeg() =>
        Assert.Null(BundledFfmpeg.Prepare(Directory.CreateTempSubdirectory().FullName, Path.GetTempPath()));
}
