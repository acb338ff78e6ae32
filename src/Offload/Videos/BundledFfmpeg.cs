using System.Runtime.Versioning;

namespace Offload.Videos;

/// <summary>
/// The static ffmpeg and ffprobe the Functions package ships in <c>ffmpeg/</c> (Azure has no ffmpeg of its own).
/// Azure mounts the package read-only and its files lose their execute bit, so at start-up they are copied to a
/// temp folder and made executable there, and that folder is used.
/// </summary>
public static class BundledFfmpeg
{
    public const string FolderName = "ffmpeg";
    private static readonly string[] Tools = ["ffmpeg", "ffprobe"];
    private const UnixFileMode Executable =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>
    /// Makes the tools in <paramref name="packageRoot"/>/ffmpeg runnable and returns their folder,
    /// or <c>null</c> when the package ships none (then ffmpeg comes from the PATH).
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    public static string? Prepare(string packageRoot, string tempRoot)
    {
        var source = Path.Combine(packageRoot, FolderName);
        if (!Tools.All(tool => File.Exists(Path.Combine(source, tool))))
            return null;

        var target = Path.Combine(tempRoot, "offload-ffmpeg");
        Directory.CreateDirectory(target);
        foreach (var tool in Tools)
        {
            var from = new FileInfo(Path.Combine(source, tool));
            var to = new FileInfo(Path.Combine(target, tool));
            if (!to.Exists || to.Length != from.Length)
            {
                // Copy beside, then rename: another process starting at the same time never runs a half-copied file.
                var partial = $"{to.FullName}.{Environment.ProcessId}.partial";
                from.CopyTo(partial, overwrite: true);
                File.SetUnixFileMode(partial, Executable);
                File.Move(partial, to.FullName, overwrite: true);
            }
            else if (!File.GetUnixFileMode(to.FullName).HasFlag(UnixFileMode.UserExecute))
            {
                File.SetUnixFileMode(to.FullName, Executable);
            }
        }

        return target;
    }
}
