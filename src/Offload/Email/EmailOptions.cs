using System.ComponentModel.DataAnnotations;
using MimeKit;

namespace Offload.Email;

/// <summary>
/// SMTP settings (section <c>Email</c>: <c>Email__SmtpHost</c>, <c>Email__SmtpPort</c>, <c>Email__SmtpUser</c>,
/// <c>Email__SmtpPassword</c>, <c>Email__UseStartTls</c>, <c>Email__From</c>). Works with Azure Communication
/// Services' SMTP relay, SendGrid or any SMTP server. The defaults point at the local mail catcher ./run.sh starts.
/// </summary>
public sealed class EmailOptions : IValidatableObject
{
    public const string SectionName = "Email";

    [Required]
    public string SmtpHost { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int SmtpPort { get; set; } = 1025;

    public string? SmtpUser { get; set; }

    /// <summary>Never logged. In Azure, a Key Vault reference.</summary>
    public string? SmtpPassword { get; set; }

    /// <summary>Upgrade the connection with STARTTLS (port 587 on most providers); the local catcher speaks plain SMTP.</summary>
    public bool UseStartTls { get; set; }

    /// <summary>The sender, e.g. <c>Offload &lt;no-reply@example.com&gt;</c>.</summary>
    [Required]
    public string From { get; set; } = "Offload <no-reply@offload.localhost>";

    /// <summary>Where links in emails point: the public address of this API.</summary>
    [Required, Url]
    public string LinkBaseUrl { get; set; } = "http://127.0.0.1:7071";

    /// <summary>Deliveries of one email that may fail transiently before the job fails.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before the second attempt; it doubles with every further attempt (with ±20 % jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between two attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(2);

    public Jobs.RetryPolicy Retry => new(MaxAttempts, RetryBaseDelay, RetryMaxDelay);

    /// <summary>Connected SMTP sessions kept for reuse between messages.</summary>
    [Range(0, 256)]
    public int MaxIdleConnections { get; set; } = 8;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!MailboxAddress.TryParse(From, out _))
            yield return new ValidationResult($"Email:From '{From}' is not a mail address.", [nameof(From)]);
        if (!string.IsNullOrEmpty(SmtpUser) && string.IsNullOrEmpty(SmtpPassword))
            yield return new ValidationResult("Email:SmtpPassword is required when Email:SmtpUser is set.", [nameof(SmtpPassword)]);
    }
}
