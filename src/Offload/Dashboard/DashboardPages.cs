using System.Reflection;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Offload.Access;

namespace Offload.Dashboard;

/// <summary>
/// The dashboard's page: plain static files (HTML, one script, one style sheet) built into this assembly and served by
/// both hosts under <see cref="DashboardRoutes.PagePrefix"/>, without a credential, because they hold nothing: every
/// datum the page shows comes from the admin-only JSON routes, called with the key the person signs in with, which the
/// page keeps in the tab's session storage (never in a URL, never in a cookie: no request carries it unasked, so there
/// is nothing to forge across sites), or with an Entra ID token the page gets by the authorization code flow with PKCE
/// when <see cref="EntraOptions.DashboardClientId"/> is set (<c>config.json</c> tells the page). Nothing comes from elsewhere: the Content-Security-Policy lets the page load
/// only its own files, call only this host, and play and show only the storage account's read links.
/// </summary>
public sealed class DashboardPages(BlobServiceClient blobs, IOptions<AuthOptions> auth)
{
    private static readonly Assembly Assembly = typeof(DashboardPages).Assembly;
    private const string ResourcePrefix = "dashboard/";

    private static readonly Dictionary<string, string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".json"] = "application/json; charset=utf-8",
    };

    /// <summary>What the page is told of this deployment: how to sign in with Entra ID, if it can.</summary>
    private const string ConfigName = "config.json";

    /// <summary>The files, by name, read once.</summary>
    private static readonly Dictionary<string, byte[]> Files = Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        .ToDictionary(n => n[ResourcePrefix.Length..], n =>
        {
            using var stream = Assembly.GetManifestResourceStream(n)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }, StringComparer.Ordinal);

    /// <summary>GET /dashboard/{path}: the file, or the page itself for the dashboard's own addresses (its views live after the '#').</summary>
    public IResult Get(string? path)
    {
        var name = string.IsNullOrEmpty(path) ? "index.html" : path;
        if (name == ConfigName)
            return new PageResult(Config, Types[".json"], ContentSecurityPolicy);
        if (!Files.TryGetValue(name, out var bytes) || !Types.TryGetValue(Path.GetExtension(name), out var type))
            return Http.ApiResults.NotFound($"The dashboard has no file '{name}'.");
        return new PageResult(bytes, type, ContentSecurityPolicy);
    }

    /// <summary>
    /// What the page may load and call: its own files and routes, the storage account's read links for the player, and
    /// with Entra ID sign-in, the token endpoint.
    /// </summary>
    public string ContentSecurityPolicy => field ??=
        $"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'{(Entra.DashboardSignIn ? " " + EntraOrigin : "")}; " +
        $"img-src 'self' {StorageOrigin}; media-src {StorageOrigin}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private EntraOptions Entra => auth.Value.Entra;

    private string EntraOrigin => new Uri(Entra.Instance).GetLeftPart(UriPartial.Authority);

    private byte[] Config => field ??= System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new
    {
        entra = Entra.DashboardSignIn
            ? new
            {
                authorize = $"{Entra.Instance.TrimEnd('/')}/{Entra.TenantId}/oauth2/v2.0/authorize",
                token = $"{Entra.Instance.TrimEnd('/')}/{Entra.TenantId}/oauth2/v2.0/token",
                clientId = Entra.DashboardClientId,
                scope = Entra.DashboardScope ?? $"{Entra.Audience!.TrimEnd('/')}/.default",
            }
            : null,
    }, Http.ApiResults.Json);

    private string StorageOrigin => blobs.Uri.GetLeftPart(UriPartial.Authority);

    private sealed class PageResult(byte[] bytes, string type, string policy) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var headers = httpContext.Response.Headers;
            headers.ContentSecurityPolicy = policy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-cache";
            httpContext.Response.ContentType = type;
            httpContext.Response.ContentLength = bytes.Length;
            return httpContext.Response.Body.WriteAsync(bytes).AsTask();
        }
    }
}
