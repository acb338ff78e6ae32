using Offload.Testing;
using Offload.Videos;

namespace Offload.IntegrationTests.Infrastructure;

/// <summary>
/// Runs the ffmpeg bundled in a package the way Azure would find it at worst: an empty environment, and a machine
/// with nothing in /usr and /etc. A mount namespace of its own lays empty folders over both, so a library the bundle
/// lacks, or a data file ffmpeg would read from /usr/share or /etc, makes the run fail here.
/// </summary>
public static class IsolatedFfmpeg
{
    // bash is started before the folders are hidden, and its exec -c replaces it with the bundled loader, run with
    // an empty environment: nothing the script starts afterwards may come from /usr.
    private const string HideUsrAndEtc = """
        [ -L /lib ] && [ -L /lib64 ] && [ -L /bin ] || { echo 'this check needs a merged /usr (Debian 12)' >&2; exit 125; }
        mount -t tmpfs none /etc && mount -t tmpfs none /usr || exit 125
        [ ! -e /usr/lib/x86_64-linux-gnu/libc.so.6 ] && [ ! -e /etc/ld.so.cache ] || { echo '/usr is still visible' >&2; exit 125; }
        exec -c "$@"
        """;

    /// <summary>Runs <paramref name="tool"/> (ffmpeg or ffprobe) of the bundle in <paramref name="bundle"/> (a package's ffmpeg/ folder).</summary>
    public static async Task<Command.Result> RunAsync(string bundle, string tool, params string[] args)
    {
        var lib = Path.Combine(bundle, "lib");
        string[] isolation = Environment.UserName == "root" ? ["--mount"] : ["--user", "--map-root-user", "--mount"];
        var result = await Command.ExecAsync("unshare",
            [.. isolation, "--propagation", "private", "bash", "-c", HideUsrAndEtc, "hide-usr",
             Path.Combine(lib, BundledFfmpeg.Loader), "--inhibit-cache", "--library-path", lib, Path.Combine(bundle, "bin", tool), .. args]);
        if (result.ExitCode == 125 || result.Error.StartsWith("unshare:", StringComparison.Ordinal))
            throw new InvalidOperationException($"Could not hide /usr and /etc for the check (it needs root or user namespaces): {result.Error}");
        return result;
    }

    /// <summary>The ffmpeg version Debian's package prints: "7:5.1.9-0+deb12u1" is "5.1.9-0+deb12u1".</summary>
    public static async Task<string> DebianVersionAsync()
    {
        var version = await Command.RunAsync("dpkg-query", "-W", "-f=${Version}", "ffmpeg");
        return version[(version.IndexOf(':', StringComparison.Ordinal) + 1)..];
    }
}
