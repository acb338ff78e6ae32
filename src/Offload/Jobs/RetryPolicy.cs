namespace Offload.Jobs;

/// <summary>
/// How a queue retries a job after a transient fault: exponential backoff with jitter (Celery's
/// <c>countdown=2**retries</c>), capped, for at most <see cref="MaxAttempts"/> attempts. Queue triggers cannot retry
/// with backoff themselves (host.json's visibilityTimeout is one fixed delay), so the worker puts the id back on the
/// queue, invisible for the delay, and completes the current message.
/// </summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    /// <summary>
    /// When set, the job also gives up once its next attempt would come later than this after it was made (a webhook's
    /// 24 hours), whatever attempts are left.
    /// </summary>
    public TimeSpan? GiveUpAfter { get; init; }

    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based); <paramref name="jitter"/> in [0, 1) spreads it ±20 %.</summary>
    public TimeSpan DelayAfter(int attempt, double jitter)
    {
        var exponential = BaseDelay.TotalSeconds * Math.Pow(2, Math.Max(0, attempt - 1));
        var capped = Math.Min(exponential, MaxDelay.TotalSeconds);
        return TimeSpan.FromSeconds(capped * (0.8 + 0.4 * jitter));
    }
}
