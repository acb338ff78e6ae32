using System.Diagnostics;

namespace Offload.Testing;

/// <summary>Runs a program to completion and collects what it printed.</summary>
public static class Command
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> ExecAsync(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Result(process.ExitCode, await stdout, stderr);
    }

    /// <summary>Runs the program and returns its standard output; a non-zero exit throws with what it printed.</summary>
    public static async Task<string> RunAsync(string file, params string[] args)
    {
        var result = await ExecAsync(file, args);
        return result.ExitCode == 0
            ? result.Output
            : throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {result.ExitCode}:\n{result.Output}\n{result.Error}");
    }
}
