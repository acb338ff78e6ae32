namespace Offload.Http;

/// <summary>
/// The caps on what a caller sends, in one place. Each keeps a request far below what Table Storage can hold
/// (64 KiB per property: 32 K UTF-16 characters; 1 MiB per row), so an overlong field is a 400 that names it,
/// never a storage error that surfaces as a 500.
/// </summary>
public static class RequestLimits
{
    /// <summary>
    /// The largest JSON body (POST /api/emails, POST /api/uploads). Larger than the field caps below add up to, so
    /// a single overlong value is answered with a 400 naming it rather than a blanket 413.
    /// </summary>
    public const int MaxJsonBodyBytes = 128 * 1024;

    /// <summary>An email address (<c>to</c>, <c>notify</c>): RFC 5321 allows 254 characters.</summary>
    public const int MaxEmailAddressLength = 254;

    /// <summary>A file name (<c>fileName</c>): what common file systems allow.</summary>
    public const int MaxFileNameLength = 255;

    /// <summary>A media type (<c>contentType</c>): RFC 6838 allows 127 characters each for type and subtype.</summary>
    public const int MaxMediaTypeLength = 255;

    /// <summary>The name of one email model field (templates use short names such as <c>resetLink</c>).</summary>
    public const int MaxModelFieldNameLength = 100;

    /// <summary>One email model value, in characters: a name, a link with its token, a failure reason.</summary>
    public const int MaxModelValueLength = 4000;

    /// <summary>The whole email model as stored (its JSON, UTF-8): 16 KiB.</summary>
    public const int MaxModelBytes = 16 * 1024;
}
