using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Offload.Webhooks;

/// <summary>
/// Where a webhook may point: https, to a public address. A URL naming a loopback, private, link-local or otherwise
/// internal address is refused, by its literal and again after DNS resolution, at registration and at every delivery
/// (the connection goes to the address that was checked, so a name cannot be re-pointed in between). Only
/// <see cref="WebhookOptions.AllowLoopbackHttp"/> (development) lets <c>http://127.0.0.1</c> through.
/// </summary>
public static class WebhookUrls
{
    public const int MaxLength = 2048;

    /// <summary>The URL's form: absolute, https (or the development exception), no credentials in it.</summary>
    public static bool TryParse(string? text, bool allowLoopbackHttp, [NotNullWhen(true)] out Uri? url, [NotNullWhen(false)] out string? problem)
    {
        url = null;
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxLength || !Uri.TryCreate(text, UriKind.Absolute, out var parsed))
        {
            problem = $"'url' must be an absolute URL of at most {MaxLength} characters.";
            return false;
        }

        var loopbackHttp = IsLoopbackHttp(parsed, allowLoopbackHttp);
        if (parsed.Scheme != Uri.UriSchemeHttps && !loopbackHttp)
            problem = "'url' must use https.";
        else if (parsed.UserInfo.Length > 0)
            problem = "'url' must not carry a user name or password: verify deliveries by their signature.";
        else if (parsed.Fragment.Length > 0)
            problem = "'url' must not have a fragment.";
        else if (IPAddress.TryParse(parsed.IdnHost, out var literal) && !IsAllowed(literal, loopbackHttp))
            problem = $"'url' points at {literal}, which is not a public address.";
        else
        {
            (url, problem) = (parsed, null);
            return true;
        }

        return false;
    }

    /// <summary>
    /// The development exception (<see cref="WebhookOptions.AllowLoopbackHttp"/>): plain http to the literal 127.0.0.1,
    /// nothing else (not https to it, not a name that resolves to it).
    /// </summary>
    public static bool IsLoopbackHttp(Uri url, bool allowLoopbackHttp) =>
        allowLoopbackHttp && url.Scheme == Uri.UriSchemeHttp && url.Host == "127.0.0.1";

    /// <summary>
    /// The addresses of <paramref name="host"/> a delivery may connect to; 127.0.0.1 only with <paramref name="allowLoopback"/>
    /// (<see cref="IsLoopbackHttp"/>).
    /// </summary>
    /// <exception cref="WebhookAddressException">The host resolves to an address that is not public (any of its addresses).</exception>
    /// <exception cref="SocketException">The host does not resolve (may pass: retried).</exception>
    public static async Task<IPAddress[]> ResolveAsync(string host, bool allowLoopback, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        // All must be public: a name with one internal address among public ones could be made to use it.
        if (addresses.FirstOrDefault(a => !IsAllowed(a, allowLoopback)) is { } internalAddress)
            throw new WebhookAddressException($"The endpoint's host resolves to {internalAddress}, which is not a public address.");
        return addresses;
    }

    /// <summary>A public unicast address (or 127.0.0.1 when <paramref name="allowLoopback"/>).</summary>
    public static bool IsAllowed(IPAddress address, bool allowLoopback)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (allowLoopback && address.Equals(IPAddress.Loopback))
            return true;
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPublicV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IsPublicV6(address),
            _ => false,
        };
    }

    private static bool IsPublicV4(byte[] b) => !(
        b[0] is 0 or 10 or 127 or >= 224                     // this network, private, loopback, multicast and reserved
        || (b[0] == 100 && b[1] is >= 64 and < 128)          // carrier-grade NAT
        || (b[0] == 169 && b[1] == 254)                      // link-local (cloud metadata services)
        || (b[0] == 172 && b[1] is >= 16 and < 32)           // private
        || (b[0] == 192 && b[1] == 168)                      // private
        || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)      // IETF protocol assignments, documentation
        || (b[0] == 198 && b[1] is 18 or 19)                 // benchmarking
        || (b[0] == 198 && b[1] == 51 && b[2] == 100)        // documentation
        || (b[0] == 203 && b[1] == 0 && b[2] == 113)         // documentation
        || (b[0] == 168 && b[1] == 63 && b[2] == 129 && b[3] == 16)); // Azure's platform endpoint (WireServer), reachable from every VM

    /// <summary>Global unicast only (2000::/3), less the ranges in it that lead elsewhere: an allow-list, not a deny-list.</summary>
    private static bool IsPublicV6(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return (b[0] & 0xE0) == 0x20
               && !address.IsIPv6Teredo                                          // 2001::/32: tunnels to IPv4 space
               && !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) // 2001:db8::/32, documentation
               && !(b[0] == 0x20 && b[1] == 0x02);                               // 2002::/16, 6to4: embeds an IPv4 address
    }
}

/// <summary>A webhook URL leads to an address that is not public.</summary>
public sealed class WebhookAddressException(string message) : Exception(message);
