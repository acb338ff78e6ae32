namespace Offload.Jobs;

/// <summary>
/// The job states and the one place that says which moves between them are legal
/// (a Hangfire-style state machine). Every move is stored as a compare-and-set by <see cref="JobStore"/>,
/// together with a row of the job's history.
/// </summary>
/// <remarks>
/// <code>
/// queued ──► processing ──► succeeded
///   │          │  ▲  │ ▲
///   │          │  │  │ └──── waiting ─► failed, cancelled
///   │          │  │  └─────────►│ (its parts are done: the next stage)
///   │          ▼  │  ├────► failed ────┐
///   │        retrying ─►failed         │ retry by request
///   │          │       ─►cancelled ────┤
///   ├──────────┴─────────► cancelled   │
///   └──────────────────► failed        │
///   ▲──────────────────────────────────┘
/// </code>
/// processing → processing is a re-claim: the worker that held the job stopped renewing its lease (it died).
/// processing → waiting: the run split the work into parts, jobs of their own (<see cref="JobParts"/>); no worker holds
/// the job while they run. waiting → waiting records a part that ended; waiting → processing is the claim of the next
/// stage once every part has succeeded (a stitch); a part that fails fails the job.
/// Final states are never left by a worker; only a person's retry puts a failed or cancelled job back to queued.
/// </remarks>
public static class JobStatus
{
    public const string Queued = "queued";
    public const string Processing = "processing";
    public const string Retrying = "retrying";
    public const string Waiting = "waiting";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static IReadOnlyList<string> All { get; } = [Queued, Processing, Retrying, Waiting, Succeeded, Failed, Cancelled];

    private static readonly HashSet<string> Final = [Succeeded, Failed, Cancelled];

    private static readonly Dictionary<string, string[]> Moves = new()
    {
        [Queued] = [Processing, Failed, Cancelled],
        [Processing] = [Processing, Retrying, Waiting, Succeeded, Failed, Cancelled],
        [Retrying] = [Processing, Failed, Cancelled],
        [Waiting] = [Waiting, Processing, Failed, Cancelled],
        [Succeeded] = [],
        [Failed] = [Queued],
        [Cancelled] = [Queued],
    };

    /// <summary>No worker will move the job again: it succeeded, failed or was cancelled.</summary>
    public static bool IsFinal(string status) => Final.Contains(status);

    /// <summary>A person may send the job through again (POST …/retry).</summary>
    public static bool CanRetry(string status) => CanMove(status, Queued);

    public static bool CanMove(string from, string to) =>
        Moves.TryGetValue(from, out var next) && next.Contains(to);
}
