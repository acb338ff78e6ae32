using System.Diagnostics.CodeAnalysis;

namespace Offload.Email;

/// <summary>
/// Which links an email may carry. A link in a message signed by the real sender is worth a lot to a phisher, so a
/// template's link fields accept only absolute http(s) URLs on the hosts of <see cref="EmailOptions.AllowedLinkHosts"/>
/// (exact, case-insensitive; no subdomains, no wildcards), https unless the host is loopback, and nothing before the
/// host (<c>https://good.example@evil.example</c> reads as good.example to a person and goes to evil.example).
/// </summary>
public sealed class EmailLinks
{
    private readonly HashSet<string> _hosts;

    public EmailLinks(IEnumerable<string> allowedHosts)
    {
        _hosts = new HashSet<string>(allowedHosts.Select(Normalize), StringComparer.OrdinalIgnoreCase);
        AllowedHosts = [.. _hosts.Order(StringComparer.Ordinal)];
    }

    public IReadOnlyList<string> AllowedHosts { get; }

    /// <summary>
    /// Checks <paramref name="value"/>; <paramref name="link"/> is then the URL in the form that was checked
    /// (what the email carries, so a mail client cannot parse it differently), else <paramref name="problem"/> says why.
    /// </summary>
    public bool TryCheck(string value, [NotNullWhen(true)] out string? link, [NotNullWhen(false)] out string? problem)
    {
        (link, problem) = (null, null);
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            problem = "must be an absolute http(s) URL";
        else if (uri.UserInfo.Length > 0)
            problem = "must not carry a user name or password before the host";
        else if (!_hosts.Contains(uri.IdnHost))
            problem = $"must point at {(AllowedHosts.Count == 1 ? "the host" : "one of the hosts")} {string.Join(", ", AllowedHosts)}";
        else if (uri.Scheme != "https" && !uri.IsLoopback)
            problem = "must use https";
        else
            link = uri.AbsoluteUri;
        return link is not null;
    }

    /// <summary>Whether a setting is a bare host name or IP address (no scheme, port, path or user).</summary>
    public static bool IsHost(string value) =>
        !string.IsNullOrWhiteSpace(value) && Uri.CheckHostName(value) != UriHostNameType.Unknown;

    // "Good.Example" and the IDN "bücher.example" compare as a link's IdnHost does.
    private static string Normalize(string host) =>
        Uri.TryCreate($"http://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host.Trim('[', ']')}]" : host)}/", UriKind.Absolute, out var uri)
            ? uri.IdnHost
            : host;
}
