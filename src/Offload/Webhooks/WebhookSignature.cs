using System.Security.Cryptography;
using System.Text;

namespace Offload.Webhooks;

/// <summary>
/// The <c>Offload-Signature</c> header, in the scheme Stripe and Mux use: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256
/// of "t.body" with the endpoint's secret&gt;</c>, one <c>v1</c> per secret in use (two while a rotation overlaps).
/// A receiver recomputes the HMAC over the raw body, compares in constant time, and refuses a <c>t</c> too far from now.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Offload-Signature";

    public static string Create(DateTimeOffset at, string body, IEnumerable<string> secrets)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"t={timestamp}," + string.Join(',', secrets.Select(secret => "v1=" + Hmac(secret, timestamp, body)));
    }

    /// <summary>Whether <paramref name="header"/> signs <paramref name="body"/> with <paramref name="secret"/>, made within <paramref name="tolerance"/> of <paramref name="now"/>.</summary>
    public static bool Verify(string header, string body, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        var parts = header.Split(',', StringSplitOptions.TrimEntries).Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToList();
        var timestamp = parts.FirstOrDefault(p => p[0] == "t")?[1];
        if (!long.TryParse(timestamp, out var seconds) || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
            return false;
        var expected = Encoding.ASCII.GetBytes(Hmac(secret, timestamp, body));
        return parts.Where(p => p[0] == "v1").Any(p => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(p[1]), expected));
    }

    private static string Hmac(string secret, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    /// <summary>A new signing secret: 32 random bytes, as Stripe's <c>whsec_</c> secrets.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
