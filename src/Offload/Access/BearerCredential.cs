using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Offload.Access;

/// <summary>The credential in <c>Authorization: Bearer &lt;credential&gt;</c>, the one way every caller authenticates.</summary>
public static class BearerCredential
{
    public const string Scheme = "Bearer";

    /// <summary>The credential; <c>null</c> when the request carries none (or another scheme).</summary>
    public static string? Of(HttpRequest request)
    {
        var header = request.Headers[HeaderNames.Authorization];
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase))
            return null;
        var credential = value[(Scheme.Length + 1)..].Trim();
        return credential.Length == 0 ? null : credential;
    }

    /// <summary>A JSON Web Token has three dot-separated parts; an API key has no dot.</summary>
    public static bool IsJwt(string credential) => credential.Count(c => c == '.') == 2;
}
