using System.Security.Claims;

namespace Offload.Access;

/// <summary>
/// Who is calling, as the application sees it: an owner id and the scopes granted. Every authentication scheme
/// (API keys, Entra ID tokens) ends in the same two claims, and this is the one place they become an owner.
/// Everything a caller creates stores <see cref="OwnerId"/>; a caller sees only what it owns, unless it is admin.
/// </summary>
public sealed record Caller(string OwnerId, IReadOnlySet<string> Scopes)
{
    /// <summary>The claim holding the owner id: <c>key:{id}</c> for an API key, <c>entra:{object id}</c> for a token.</summary>
    public const string OwnerClaim = "offload_owner";

    /// <summary>One claim per granted scope (<see cref="Access.Scopes"/>).</summary>
    public const string ScopeClaim = "offload_scope";

    public bool IsAdmin => Scopes.Contains(Access.Scopes.Admin);

    public bool Has(string scope) => IsAdmin || Scopes.Contains(scope);

    /// <summary>
    /// Whether this caller may see (read, cancel, retry) something owned by <paramref name="owner"/>. A thing
    /// without an owner (written before owners existed) is only the admin's.
    /// </summary>
    public bool MaySee(string? owner) => IsAdmin || (owner is not null && string.Equals(owner, OwnerId, StringComparison.Ordinal));

    /// <summary>The caller an authenticated request stands for.</summary>
    /// <exception cref="InvalidOperationException">The request was not authenticated: a route without a policy, which is a bug.</exception>
    public static Caller From(ClaimsPrincipal user) =>
        user.FindFirst(OwnerClaim)?.Value is { Length: > 0 } owner
            ? new Caller(owner, user.FindAll(ScopeClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal))
            : throw new InvalidOperationException("The request has no authenticated caller: every route but health must require a scope.");

    /// <summary>The principal an authentication scheme hands on for <paramref name="owner"/> with <paramref name="scopes"/>.</summary>
    public static ClaimsPrincipal Principal(string owner, IEnumerable<string> scopes, string authenticationType, string? name = null)
    {
        var claims = new List<Claim> { new(OwnerClaim, owner) };
        if (name is not null)
            claims.Add(new Claim(ClaimTypes.Name, name));
        claims.AddRange(scopes.Distinct(StringComparer.Ordinal).Select(s => new Claim(ScopeClaim, s)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ScopeClaim));
    }
}
