using System.ComponentModel.DataAnnotations;

namespace Offload.Access;

/// <summary>
/// Who may call the API (section <c>Auth</c>). API keys always work; Microsoft Entra ID tokens work once
/// <c>Auth__Entra__TenantId</c> and <c>Auth__Entra__Audience</c> are set.
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";
    public const int MinAdminKeyLength = 32;

    /// <summary>
    /// A key that is admin because configuration says so (<c>Auth__AdminKey</c>): for local development, scripts and
    /// CI (./run.sh sets it from <c>OFFLOAD_API_KEY</c>). It is never stored; leave it empty in Azure and make keys
    /// with POST /api/keys or the server's <c>keys create</c> command instead.
    /// </summary>
    public string? AdminKey { get; set; }

    /// <summary>
    /// How long an instance trusts what it read about a key. Revoking a key takes effect on every instance
    /// within this time; a longer one saves a table read per request.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan KeyCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    public EntraOptions Entra { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(AdminKey) && (AdminKey.Length < MinAdminKeyLength || AdminKey.Any(char.IsWhiteSpace)))
            yield return new ValidationResult(
                $"Auth:AdminKey must be at least {MinAdminKeyLength} characters without spaces (OFFLOAD_API_KEY for ./run.sh).", [nameof(AdminKey)]);
        if (string.IsNullOrWhiteSpace(Entra.TenantId) != string.IsNullOrWhiteSpace(Entra.Audience))
            yield return new ValidationResult("Set both Auth:Entra:TenantId and Auth:Entra:Audience to accept Entra ID tokens, or neither.", [nameof(Entra)]);
        if (!string.IsNullOrWhiteSpace(Entra.DashboardClientId) && !Entra.IsEnabled)
            yield return new ValidationResult("Auth:Entra:DashboardClientId needs Auth:Entra:TenantId and Auth:Entra:Audience: the dashboard's tokens are for the API.", [nameof(Entra)]);
        if (!Uri.TryCreate(Entra.Instance, UriKind.Absolute, out var instance)
            || !(instance.Scheme == Uri.UriSchemeHttps || (instance.Scheme == Uri.UriSchemeHttp && instance.IsLoopback)))
            yield return new ValidationResult("Auth:Entra:Instance must be an https URL.", [nameof(Entra)]);
    }
}

/// <summary>Microsoft Entra ID (section <c>Auth:Entra</c>): tokens for the API's app registration.</summary>
public sealed class EntraOptions
{
    /// <summary>The directory (tenant) id that issues the tokens.</summary>
    public string? TenantId { get; set; }

    /// <summary>The API's application id URI or client id: the token's <c>aud</c>.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// The authority host; the default is Entra ID's public cloud. Tests point it at a local OpenID Connect
    /// endpoint on loopback, so real tokens go through the very same validation.
    /// </summary>
    public string Instance { get; set; } = "https://login.microsoftonline.com/";

    /// <summary>
    /// The client id of the dashboard's app registration (a single-page application whose redirect URI is the
    /// dashboard's address, <c>https://&lt;host&gt;/dashboard/</c>): set, the dashboard offers to sign in with Entra ID.
    /// </summary>
    public string? DashboardClientId { get; set; }

    /// <summary>What the dashboard asks a token for; the default is the API's <c>{Audience}/.default</c>.</summary>
    public string? DashboardScope { get; set; }

    public bool IsEnabled => !string.IsNullOrWhiteSpace(TenantId) && !string.IsNullOrWhiteSpace(Audience);

    public bool DashboardSignIn => IsEnabled && !string.IsNullOrWhiteSpace(DashboardClientId);

    public string Authority => $"{Instance.TrimEnd('/')}/{TenantId}/v2.0";
}
