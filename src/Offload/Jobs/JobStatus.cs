namespace Offload.Jobs;

/// <summary>
/// The job states and the one place that says which moves between them are legal
/// (a Hangfire-style state machine). Every move is stored as a compare-and-set by <see cref="JobStore"/>.
/// </summary>
/// <remarks>
/// <code>
/// queued ──► processing ──► succeeded
///   │          │  ▲  │
///   │          ▼  │  └────► failed
///   │        retrying ────► failed
///   └────────────────────► failed
/// </code>
/// processing → processing is a re-claim: the message came back because the worker that held it died.
/// </remarks>
public static class JobStatus
{
    public const string Queued = "queued";
    public const string Processing = "processing";
    public const string Retrying = "retrying";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    public static IReadOnlyList<string> All { get; } = [Queued, Processing, Retrying, Succeeded, Failed];

    private static readonly Dictionary<string, string[]> Moves = new()
    {
        [Queued] = [Processing, Failed],
        [Processing] = [Processing, Retrying, Succeeded, Failed],
        [Retrying] = [Processing, Failed],
        [Succeeded] = [],
        [Failed] = [],
    };

    public static bool IsFinal(string status) => Moves.TryGetValue(status, out var next) && next.Length == 0;

    public static bool CanMove(string from, string to) =>
        Moves.TryGetValue(from, out var next) && next.Contains(to);
}
