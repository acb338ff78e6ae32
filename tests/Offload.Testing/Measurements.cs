namespace Offload.Testing;

/// <summary>
/// Numbers a test measured (the load test's counts, how fast a killed job came back): written to the console and, when
/// <c>OFFLOAD_MEASUREMENTS</c> names a file (./test.sh sets it), appended there, so the run prints them at its end.
/// </summary>
public static class Measurements
{
    private static readonly Lock Gate = new();

    public static void Report(string line)
    {
        Console.WriteLine(line);
        if (Environment.GetEnvironmentVariable("OFFLOAD_MEASUREMENTS") is not { Length: > 0 } path)
            return;
        lock (Gate)
            File.AppendAllText(path, line + Environment.NewLine);
    }
}
