using System.Security.Claims;

namespace Offload.Access;

/// <summary>
/// Turns a validated Entra ID access token into a <see cref="Caller"/>: app roles (<c>roles</c>, for a daemon
/// calling with its own identity, or assigned to a user) and delegated scopes (<c>scp</c>, for a signed-in user) named
/// after <see cref="Scopes"/> grant them, except that <c>admin</c> comes only from an app role; the owner is the
/// token's object id (<c>oid</c>), else its subject.
/// </summary>
public static class EntraTokens
{
    public const string OwnerPrefix = "entra:";

    /// <summary>The caller's principal; <c>null</c> when the token names nobody.</summary>
    public static ClaimsPrincipal? ToCaller(ClaimsPrincipal token, string authenticationType)
    {
        var subject = token.FindFirst("oid")?.Value ?? token.FindFirst("sub")?.Value;
        if (string.IsNullOrEmpty(subject))
            return null;

        // admin only from an assigned app role: a delegated scope may be one users can consent to themselves.
        var granted = token.FindAll("roles").Select(c => c.Value)
            .Concat(token.FindAll("scp").SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(s => !string.Equals(s, Scopes.Admin, StringComparison.OrdinalIgnoreCase)));
        var scopes = granted
            .Select(g => Scopes.All.FirstOrDefault(s => string.Equals(s, g, StringComparison.OrdinalIgnoreCase)))
            .OfType<string>();
        return Caller.Principal(OwnerPrefix + subject, scopes, authenticationType, token.FindFirst("name")?.Value ?? token.FindFirst("azp")?.Value);
    }
}
