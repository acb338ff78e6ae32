using System.ComponentModel.DataAnnotations;

namespace Offload.Quotas;

/// <summary>
/// What one owner (an API key, a token's subject) may use (section <c>Quotas</c>). Counted in Table Storage, so the
/// limits hold across every instance. The defaults suit one small team; raise them per deployment.
/// </summary>
public sealed class QuotaOptions
{
    public const string SectionName = "Quotas";

    /// <summary>Off turns every quota off: for a deployment whose only callers are your own, behind limits of your own.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Videos an owner may hand over a minute (POST /api/videos and POST /api/uploads).</summary>
    [Range(1, 100_000)]
    public int UploadsPerMinute { get; set; } = 20;

    /// <summary>
    /// Videos of one owner that may be in flight at once: queued, retrying or processing. They are kept in one table row,
    /// which holds a few hundred; more than that is a job for several keys.
    /// </summary>
    [Range(1, 500)]
    public int ConcurrentVideos { get; set; } = 10;

    /// <summary>Source seconds an owner may have encoded a day (UTC): 10 hours.</summary>
    [Range(1, 100_000_000)]
    public int EncodedSecondsPerDay { get; set; } = 36_000;

    /// <summary>Emails an owner may queue a minute.</summary>
    [Range(1, 1_000_000)]
    public int EmailsPerMinute { get; set; } = 120;

    /// <summary>Emails of one template one recipient may get an hour: a password-reset form cannot be turned into a mail bomb.</summary>
    [Range(1, 10_000)]
    public int EmailsPerRecipientPerHour { get; set; } = 5;

    /// <summary>Whether admin credentials skip the quotas. Off by default: a leaked admin key is no bigger a hose.</summary>
    public bool AdminExempt { get; set; }

    /// <summary>Test events an owner may send a minute (<c>POST /api/webhooks/{id}/test</c>): each may be retried for a day at someone's server.</summary>
    [Range(1, 10_000)]
    public int WebhookTestsPerMinute { get; set; } = 10;
}
