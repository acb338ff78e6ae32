using System.ComponentModel.DataAnnotations;

namespace Offload.Webhooks;

/// <summary>
/// Webhook deliveries (section <c>Webhooks</c>): how long an endpoint may take, how long a delivery is retried, and the
/// one development setting that lets an endpoint on this machine receive them.
/// </summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>
    /// Development only: also allow <c>http://127.0.0.1:{port}</c> (the literal address, no other loopback or private
    /// one), so a receiver on this machine works. ./run.sh turns it on; never in production.
    /// </summary>
    public bool AllowLoopbackHttp { get; set; }

    /// <summary>How long an endpoint has to answer 2xx; a slower answer counts as a failure and is retried.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a delivery is retried after its event, then it is <c>failed</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3.00:00:00")]
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The wait before the second attempt; it doubles with every further attempt (±20 %), up to <see cref="RetryMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// After a secret is rotated, deliveries are signed with the old secret too for this long, so receivers can switch
    /// without losing an event.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan RotationOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long an instance keeps what it read of an owner's endpoints when a job ends (one query per owner per this,
    /// not one per job). An endpoint registered through another instance gets events of jobs that end after this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan EndpointCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Endpoints one owner may register.</summary>
    [Range(1, 1000)]
    public int MaxEndpointsPerOwner { get; set; } = 20;

    /// <summary>
    /// Attempts, backoff and window: about 30 attempts in the first 24 h with the defaults, then <c>failed</c>. The
    /// attempt cap only backs the window up.
    /// </summary>
    public Jobs.RetryPolicy Retry => new(1000, RetryBaseDelay, RetryMaxDelay) { GiveUpAfter = RetryWindow };
}
