using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using MimeKit;

namespace Offload.Email;

/// <summary>
/// SMTP settings (section <c>Email</c>: <c>Email__SmtpHost</c>, <c>Email__SmtpPort</c>, <c>Email__SmtpUser</c>,
/// <c>Email__SmtpPassword</c>, <c>Email__UseStartTls</c>, <c>Email__From</c>; sessions kept for reuse:
/// <c>Email__MaxIdleConnections</c>, <c>Email__SmtpIdleTimeout</c>), and which links emails may carry
/// (<c>Email__LinkBaseUrl</c>, <c>Email__AllowedLinkHosts__0</c>, <c>__1</c> ...), and where templates that override
/// or add to the built-in ones are (<c>Email__TemplatesPath</c>, <c>Email__TemplatesContainer</c>). Works with Azure
/// Communication Services' SMTP relay, SendGrid or any SMTP server. The defaults point at the local mail catcher
/// ./run.sh starts.
/// </summary>
public sealed partial class EmailOptions : IValidatableObject
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

    /// <summary>The sender, e.g. <c>Offload &lt;no-reply@example.com&gt;</c>: set here only, never by a request.</summary>
    [Required]
    public string From { get; set; } = "Offload <no-reply@offload.localhost>";

    /// <summary>Where links in emails point: the public address of this API.</summary>
    [Required, Url]
    public string LinkBaseUrl { get; set; } = "http://127.0.0.1:7071";

    /// <summary>
    /// The hosts a link in an email may point at (exact names, no wildcards). Empty means the host of
    /// <see cref="LinkBaseUrl"/> only; when set, it must include that host, or the app's own links would be refused.
    /// </summary>
    public List<string> AllowedLinkHosts { get; set; } = [];

    /// <summary>The allowed link hosts in effect: <see cref="AllowedLinkHosts"/>, or the host of <see cref="LinkBaseUrl"/>.</summary>
    public IReadOnlyList<string> LinkHosts =>
        AllowedLinkHosts.Count > 0 ? AllowedLinkHosts
        : Uri.TryCreate(LinkBaseUrl, UriKind.Absolute, out var url) ? [url.IdnHost]
        : [];

    /// <summary>
    /// A folder of email templates that override the built-in ones file by file, or add new ones (see
    /// <see cref="EmailTemplateSources"/>); relative to the current directory. Empty: the built-in templates only.
    /// </summary>
    public string? TemplatesPath { get; set; }

    /// <summary>
    /// A blob container of templates laid over the folder's, read at start-up (in Azure: <c>email-templates</c>, which
    /// infra/ creates). Empty: none.
    /// </summary>
    public string? TemplatesContainer { get; set; }

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

    /// <summary>
    /// A kept session idle longer than this is closed instead of reused. Keep it under the server's own idle timeout
    /// (maildev about 60 s, many providers 30-60 s, RFC 5321 asks for 5 min): a session the server closed first still
    /// works out, on a fresh connection, but pays a wasted round trip.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan SmtpIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!MailboxAddress.TryParse(From, out _))
            yield return new ValidationResult($"Email:From '{From}' is not a mail address.", [nameof(From)]);
        if (!string.IsNullOrEmpty(SmtpUser) && string.IsNullOrEmpty(SmtpPassword))
            yield return new ValidationResult("Email:SmtpPassword is required when Email:SmtpUser is set.", [nameof(SmtpPassword)]);
        foreach (var host in AllowedLinkHosts.Where(h => !EmailLinks.IsHost(h)))
            yield return new ValidationResult($"Email:AllowedLinkHosts '{host}' is not a host name: give the bare host, e.g. app.example.com.", [nameof(AllowedLinkHosts)]);
        if (!string.IsNullOrWhiteSpace(TemplatesPath) && !Directory.Exists(TemplatesPath))
            yield return new ValidationResult($"Email:TemplatesPath '{TemplatesPath}' is not a folder (relative paths start at '{Environment.CurrentDirectory}').", [nameof(TemplatesPath)]);
        if (!string.IsNullOrWhiteSpace(TemplatesContainer) && !ContainerName().IsMatch(TemplatesContainer))
            yield return new ValidationResult($"Email:TemplatesContainer '{TemplatesContainer}' is not a blob container name (3-63 lower-case letters, digits and single hyphens).", [nameof(TemplatesContainer)]);
        // The app's own links (a video's download link) pass the same check as a caller's.
        if (Uri.TryCreate(LinkBaseUrl, UriKind.Absolute, out _) && !new EmailLinks(LinkHosts).TryCheck(LinkBaseUrl, out _, out var problem))
            yield return new ValidationResult($"Email:LinkBaseUrl '{LinkBaseUrl}' {problem} (Email:AllowedLinkHosts).", [nameof(LinkBaseUrl)]);
    }

    [GeneratedRegex("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex ContainerName();
}
