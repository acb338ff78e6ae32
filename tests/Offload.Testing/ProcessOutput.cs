using System.Diagnostics;
using System.Text;

namespace Offload.Testing;

/// <summary>Collects what a child process writes, for assertions and for the message of a failing test.</summary>
public sealed class ProcessOutput
{
    private readonly StringBuilder _text = new();
    private readonly Lock _lock = new();

    public event Action<string>? Line;

    public void Attach(Process process)
    {
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Text
    {
        get
        {
            lock (_lock)
                return _text.ToString();
        }
    }

    public string Tail(int lines = 40) => string.Join('\n', Text.Split('\n').TakeLast(lines));

    /// <summary>The first line holding <paramref name="marker"/> and <paramref name="lines"/> lines after it (for an assertion's message).</summary>
    public string Around(string marker, int lines = 40)
    {
        var all = Text.Split('\n');
        var at = Array.FindIndex(all, l => l.Contains(marker, StringComparison.Ordinal));
        return at < 0 ? "" : string.Join('\n', all.Skip(Math.Max(0, at - 5)).Take(lines + 5));
    }

    private void Add(string? line)
    {
        if (line is null)
            return;
        lock (_lock)
            _text.AppendLine(line);
        Line?.Invoke(line);
    }
}
