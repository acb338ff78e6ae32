using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace Offload.Videos;

/// <summary>
/// Debian's ffmpeg and ffprobe, which the Functions package ships in <c>ffmpeg/</c> (Azure has no ffmpeg of its own)
/// with every shared library they load and the dynamic loader that loads them (eng/bundle-ffmpeg.sh).
/// They are started through that loader, with the bundled libraries only, so neither the glibc nor the /usr/lib of
/// Azure's image matters. Azure mounts the package read-only and its files lose their execute bit, so at start-up
/// the programs and libraries are copied to a temp folder, and that folder gets two small scripts named ffmpeg and
/// ffprobe (FFMpegCore starts the programs by those names) that exec the loader.
/// </summary>
public static class BundledFfmpeg
{
    public const string FolderName = "ffmpeg";

    /// <summary>The bundle's list of files with their SHA-256, from eng/bundle-ffmpeg.sh (<c>sha256sum -c</c> checks it).</summary>
    public const string ChecksumsFile = "SHA256SUMS";

    public const string Loader = "ld-linux-x86-64.so.2";
    private static readonly string[] Tools = ["ffmpeg", "ffprobe"];

    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Executable = Readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>
    /// Makes the ffmpeg in <paramref name="packageRoot"/>/ffmpeg runnable and returns the folder that holds its
    /// ffmpeg and ffprobe, or <c>null</c> when the package ships none (then ffmpeg comes from the PATH).
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    public static string? Prepare(string packageRoot, string tempRoot)
    {
        var source = Path.Combine(packageRoot, FolderName);
        var checksums = Path.Combine(source, ChecksumsFile);
        if (!File.Exists(checksums))
            return null;

        // "hash  bin/ffmpeg": the list of what to copy. Named after it, the copy of a new package never mixes with
        // the copy an older one left on the instance.
        var listing = File.ReadAllBytes(checksums);
        var files = System.Text.Encoding.UTF8.GetString(listing)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line[(line.IndexOf("  ", StringComparison.Ordinal) + 2)..])
            .Where(file => file.StartsWith("bin/", StringComparison.Ordinal) || file.StartsWith("lib/", StringComparison.Ordinal))
            .ToList();
        var target = Path.Combine(tempRoot, $"offload-ffmpeg-{Convert.ToHexStringLower(SHA256.HashData(listing))[..16]}");
        if (Directory.Exists(target))
        {
            if (files.Concat(Tools).All(file => File.Exists(Path.Combine(target, file))))
                return target;
            Directory.Delete(target, recursive: true); // a temp cleaner took files from an older copy
        }

        // Copy beside, then rename the whole folder: a process starting at the same time never sees half a bundle.
        var partial = $"{target}.{Environment.ProcessId}.partial";
        if (Directory.Exists(partial))
            Directory.Delete(partial, recursive: true);
        try
        {
            foreach (var file in files)
            {
                var to = Path.Combine(partial, file);
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(Path.Combine(source, file), to);
                // The loader maps the programs and libraries; only the loader itself is executed.
                File.SetUnixFileMode(to, Path.GetFileName(file) == Loader ? Executable : Readable);
            }

            foreach (var tool in Tools)
            {
                var script = Path.Combine(partial, tool);
                File.WriteAllText(script, StartScript(target, tool));
                File.SetUnixFileMode(script, Executable);
            }

            Directory.Move(partial, target);
        }
        catch (IOException) when (Directory.Exists(target))
        {
            // Another process finished the same copy first: use its folder.
        }
        finally
        {
            if (Directory.Exists(partial))
                Directory.Delete(partial, recursive: true);
        }

        return target;
    }

    /// <summary>
    /// The loader runs the program with the bundled libraries only: --library-path comes before anything else it
    /// searches, and --inhibit-cache keeps it from taking a library the bundle lacks from the machine's
    /// /etc/ld.so.cache. /bin/sh is on every Linux image the Functions host runs on; the script replaces itself, so
    /// FFMpegCore's process is ffmpeg itself and stopping it stops ffmpeg.
    /// </summary>
    private static string StartScript(string folder, string tool) =>
        $"""
        #!/bin/sh
        # Debian's {tool} from the Offload package, through its own loader and libraries (see BundledFfmpeg.cs).
        exec {Quote(Path.Combine(folder, "lib", Loader))} --inhibit-cache --library-path {Quote(Path.Combine(folder, "lib"))} {Quote(Path.Combine(folder, "bin", tool))} "$@"

        """;

    private static string Quote(string path) => $"'{path.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
