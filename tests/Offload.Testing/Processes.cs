using System.Globalization;

namespace Offload.Testing;

/// <summary>What /proc says about the machine's processes: the tests find a job's ffmpeg by its command line.</summary>
public static class Processes
{
    /// <summary>A process and its parent, as /proc/{pid}/stat gives them.</summary>
    public sealed record Found(int Pid, int ParentPid);

    /// <summary>
    /// Processes (other than this one) whose command line contains <paramref name="text"/>: ffmpeg runs on files in a
    /// work folder named after its job, so a job id finds the job's ffmpeg, whichever worker started it.
    /// </summary>
    public static List<Found> WorkingOn(string text)
    {
        var found = new List<Found>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
                continue;
            try
            {
                if (!File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(text, StringComparison.Ordinal))
                    continue;
                var stat = StatOf(pid);
                if (stat(3) != "Z")
                    found.Add(new Found(pid, int.Parse(stat(4), CultureInfo.InvariantCulture)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // it ended while we looked
            }
        }

        return found;
    }

    /// <summary>
    /// How the kernel schedules a process: its policy (<c>SCHED_OTHER</c> 0, <c>SCHED_IDLE</c> 5) and its nice value,
    /// fields 41 and 19 of /proc/{pid}/stat.
    /// </summary>
    public static (int Policy, int Nice) SchedulingOf(int pid)
    {
        var stat = StatOf(pid);
        return (int.Parse(stat(41), CultureInfo.InvariantCulture), int.Parse(stat(19), CultureInfo.InvariantCulture));
    }

    /// <summary>The CPU time processes have used (utime + stime, fields 14 and 15 of /proc/{pid}/stat, in ticks of 1/100 s).</summary>
    public static double CpuSeconds(IEnumerable<int> pids) => pids.Sum(pid =>
    {
        var stat = StatOf(pid);
        return (long.Parse(stat(14), CultureInfo.InvariantCulture) + long.Parse(stat(15), CultureInfo.InvariantCulture)) / 100.0;
    });

    /// <summary>
    /// /proc/{pid}/stat, field by field as proc(5) numbers them (3 is the state). "pid (comm) state ppid ...": comm may
    /// hold spaces, so the fields are read after its closing parenthesis.
    /// </summary>
    private static Func<int, string> StatOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return field => fields[field - 3];
    }

    /// <summary>SIGKILL to one process only (not its children), as the kernel's OOM killer or <c>kill -9</c> sends it.</summary>
    public static Task KillAsync(int pid) => Command.RunAsync("kill", "-KILL", pid.ToString(CultureInfo.InvariantCulture));
}
