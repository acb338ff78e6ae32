using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;

namespace Offload.Videos;

/// <summary>
/// Makes ffmpeg die with the worker that started it. A worker killed outright (kill -9, the OOM killer, a crash) takes
/// no child with it: its ffmpeg would go on encoding for nobody, holding the CPU the next worker needs, and writing
/// into a work folder nobody reads. Linux's parent-death signal ends it instead: ffmpeg is started through
/// util-linux's <c>setpriv --pdeathsig KILL</c>, which asks the kernel to SIGKILL it when its parent goes.
/// </summary>
/// <remarks>
/// The kernel sends that signal when the parent <em>thread</em> that forked the child ends, not only the process, and
/// .NET retires idle thread-pool threads; so <see cref="VideoEncoder"/> starts ffmpeg from a thread of its own that
/// lives until ffmpeg exits. The wrapper is a two-line script named <c>ffmpeg</c> (FFMpegCore starts the program by
/// that name) that execs setpriv, which execs the real ffmpeg: one process throughout, so FFMpegCore's kill on
/// cancellation still stops ffmpeg itself. It wraps the PATH's ffmpeg and the bundled one (<see cref="BundledFfmpeg"/>)
/// alike. Without setpriv (not Linux, a slim image) ffmpeg runs as before and the worker logs that it may outlive it.
/// The same wrapper lowers ffmpeg's CPU priority: an encode takes every core it can get, and the worker's own heartbeats,
/// the listener's renewals and, on a machine that also serves the API and emails, those requests must not wait behind it.
/// By default ffmpeg runs in Linux's idle scheduling class (<see cref="EncodingOptions.IdleScheduling"/>, through
/// util-linux's <c>chrt --idle 0</c>): it gets a core only when no thread of normal priority wants it, where a
/// <c>nice</c> value still leaves each of its many threads a share beside them. Any process may move itself into that
/// class, so it needs no privilege; without <c>chrt</c>, or with it turned off, <see cref="EncodingOptions.Niceness"/>
/// applies (coreutils' <c>nice</c>).
/// </remarks>
public static class FfmpegLifetime
{
    private const string SetprivName = "setpriv";

    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>setpriv's path: on the PATH, else the util-linux default; <c>null</c> when there is none.</summary>
    public static string? FindSetpriv() => Find(SetprivName) ?? (File.Exists("/usr/bin/setpriv") ? "/usr/bin/setpriv" : null);

    /// <summary>
    /// A folder holding an <c>ffmpeg</c> that runs the ffmpeg of <paramref name="ffmpegFolder"/> (empty: the PATH's)
    /// under <paramref name="setpriv"/>, at the priority asked for (the idle class when <paramref name="idle"/> and
    /// <c>chrt</c> is there, else <paramref name="niceness"/>), and what that priority is, for the log; <c>null</c> when
    /// that ffmpeg cannot be found. Named after what it runs, so workers that share a temp folder share the script, and
    /// one written by half never shows (written beside, then renamed).
    /// </summary>
    [UnsupportedOSPlatform("windows")]
    public static (string Folder, string Priority)? Prepare(string? ffmpegFolder, string setpriv, string tempRoot, int niceness = 0, bool idle = false)
    {
        var ffmpeg = string.IsNullOrWhiteSpace(ffmpegFolder) ? Find("ffmpeg") : Path.Combine(ffmpegFolder, "ffmpeg");
        if (ffmpeg is null || !File.Exists(ffmpeg))
            return null;

        var chrt = idle ? FindProgram("chrt") : null;
        var nice = chrt is null && niceness > 0 ? FindProgram("nice") : null;
        var (prefix, priority) = (chrt, nice) switch
        {
            ({ } idleClass, _) => ($"{Quote(idleClass)} --idle 0 ", "in the idle scheduling class (SCHED_IDLE)"),
            (_, { } lower) => ($"{Quote(lower)} -n {niceness} ", $"at nice {niceness}"),
            _ => ("", "at the worker's own priority"),
        };
        var script = StartScript(prefix, setpriv, Path.GetFullPath(ffmpeg));
        var folder = Path.Combine(tempRoot, $"offload-ffmpeg-lifetime-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(script)))[..16]}");
        var path = Path.Combine(folder, "ffmpeg");
        if (File.Exists(path))
            return (folder, priority);

        Directory.CreateDirectory(folder);
        var partial = $"{path}.{Environment.ProcessId}.partial";
        File.WriteAllText(partial, script);
        File.SetUnixFileMode(partial, Executable);
        File.Move(partial, path, overwrite: true); // the same content whoever wins
        return (folder, priority);
    }

    private static string StartScript(string nice, string setpriv, string ffmpeg) =>
        $"""
        #!/bin/sh
        # ffmpeg, SIGKILLed by the kernel when the worker thread that started it ends (see FfmpegLifetime.cs).
        exec {nice}{Quote(setpriv)} --pdeathsig KILL -- {Quote(ffmpeg)} "$@"

        """;

    /// <summary>A program on the PATH, else where Debian puts it.</summary>
    private static string? FindProgram(string program) => Find(program) ?? (File.Exists($"/usr/bin/{program}") ? $"/usr/bin/{program}" : null);

    private static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    private static string Quote(string path) => $"'{path.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
