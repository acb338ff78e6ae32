using System.Diagnostics.CodeAnalysis;
using MimeKit;
using Offload.Http;

namespace Offload.Email;

/// <summary>
/// The one rule for an email address a caller gives, wherever it is given (<c>to</c> of POST /api/emails,
/// <c>?notify=</c> of POST /api/videos, <c>notify</c> of POST /api/uploads): a <c>notify</c> address becomes the
/// <c>to</c> of an email later, so one the email would refuse must be refused at once, not lost after the encode.
/// </summary>
public static class EmailAddress
{
    /// <summary>What an address must be, in the words every 400 uses.</summary>
    public static readonly string Requirement =
        $"one email address (ada@example.com or Ada <ada@example.com>) of at most {RequestLimits.MaxEmailAddressLength} characters";

    // Strict: "nope" is not an address without a domain, and "a@x.com, b@x.com" is a list, not one address.
    private static readonly ParserOptions Strict = new()
    {
        AddressParserComplianceMode = RfcComplianceMode.Strict,
        AllowAddressesWithoutDomain = false,
        AllowUnquotedCommasInAddresses = false,
    };

    /// <summary>
    /// One mailbox, or <c>false</c>: no list or group, no control characters (a line break must never reach a header,
    /// not even one hidden in an encoded display name such as <c>=?utf-8?q?Ada=0D=0ABcc...?=</c>), a domain that is a
    /// host name with a dot (mail to <c>a@localhost</c> or <c>a@gmailcom</c> goes nowhere), and short enough for any
    /// mail server and for storage.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out MailboxAddress? mailbox)
    {
        mailbox = null;
        if (string.IsNullOrWhiteSpace(value) || value.Length > RequestLimits.MaxEmailAddressLength || HasControl(value)
            || !MailboxAddress.TryParse(Strict, value, out var parsed) || HasControl(parsed.Name ?? ""))
            return false;

        var at = parsed.Address.LastIndexOf('@');
        var domain = at > 0 ? parsed.Address[(at + 1)..] : "";
        if (!domain.Contains('.', StringComparison.Ordinal) || Uri.CheckHostName(domain) != UriHostNameType.Dns)
            return false;

        mailbox = parsed;
        return true;
    }

    /// <summary>Whether <paramref name="value"/> passes <see cref="TryParse"/>.</summary>
    public static bool IsValid([NotNullWhen(true)] string? value) => TryParse(value, out _);

    private static bool HasControl(string text) => text.Any(IsControl);

    /// <summary>A character no header may carry: a control character, or Unicode's line and paragraph separators (some clients break lines there).</summary>
    internal static bool IsControl(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
