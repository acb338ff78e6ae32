using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Offload.Testing;

/// <summary>
/// A stand-in for Microsoft Entra ID on loopback: it serves a tenant's OpenID Connect metadata and signing keys at
/// the paths Entra ID uses (<c>/{tenant}/v2.0/.well-known/openid-configuration</c>), and mints access tokens signed
/// with its own RSA key. The server under test fetches and checks them exactly as it would Entra ID's. A browser can
/// sign in too, with the authorization code flow and PKCE (S256) at Entra ID's endpoints: the authorize endpoint signs in
/// <see cref="SignedIn"/> at once (a stand-in asks nobody) and the token endpoint checks the code, the client, the
/// redirect and the verifier before it gives the access token.
/// </summary>
public sealed class OpenIdProvider : IAsyncDisposable
{
    private const string KeyId = "offload-test-key";
    private readonly HttpListener _listener = new();
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly Task _serving;
    private readonly Dictionary<string, (string ClientId, string RedirectUri, string Challenge, (string Audience, string ObjectId, string[] Roles) User)> _codes = [];

    private OpenIdProvider(int port, string tenantId)
    {
        Instance = $"http://127.0.0.1:{port}/";
        TenantId = tenantId;
        _listener.Prefixes.Add(Instance);
        _listener.Start();
        _serving = ServeAsync();
    }

    /// <summary>What to set as <c>Auth__Entra__Instance</c>.</summary>
    public string Instance { get; }
    public string TenantId { get; }
    public string Issuer => $"{Instance}{TenantId}/v2.0";

    /// <summary>Who a browser that comes to the authorize endpoint is signed in as: the token's audience, object id and app roles.</summary>
    public (string Audience, string ObjectId, string[] Roles)? SignedIn { get; set; }

    /// <summary>How many access tokens the token endpoint gave.</summary>
    public int TokensGiven { get; private set; }

    public static OpenIdProvider Start(string? tenantId = null) => new(ServerProcess.FreePort(), tenantId ?? Guid.NewGuid().ToString());

    /// <summary>An access token for <paramref name="audience"/> naming <paramref name="objectId"/> with app roles <paramref name="roles"/>.</summary>
    public string Token(string audience, string objectId, string[] roles, TimeSpan? expiresIn = null, RSA? signWith = null, string? issuer = null)
    {
        var now = DateTime.UtcNow;
        var expires = now + (expiresIn ?? TimeSpan.FromHours(1));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            IssuedAt = expires < now ? expires.AddHours(-1) : now,
            NotBefore = expires < now ? expires.AddHours(-1) : now,
            Expires = expires,
            Claims = new Dictionary<string, object>
            {
                ["oid"] = objectId,
                ["sub"] = objectId,
                ["tid"] = TenantId,
                ["roles"] = roles,
            },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signWith ?? _rsa) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        });
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            var path = context.Request.Url!.AbsolutePath;
            if (path == $"/{TenantId}/oauth2/v2.0/authorize")
            {
                Authorize(context);
                continue;
            }

            if (path == $"/{TenantId}/oauth2/v2.0/token" && context.Request.HttpMethod == "POST")
            {
                await TokenAsync(context);
                continue;
            }

            object? body = path switch
            {
                _ when path == $"/{TenantId}/v2.0/.well-known/openid-configuration" => new Dictionary<string, object>
                {
                    ["issuer"] = Issuer,
                    ["jwks_uri"] = $"{Instance}{TenantId}/discovery/v2.0/keys",
                    ["authorization_endpoint"] = $"{Instance}{TenantId}/oauth2/v2.0/authorize",
                    ["token_endpoint"] = $"{Instance}{TenantId}/oauth2/v2.0/token",
                    ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                    ["response_types_supported"] = new[] { "code" },
                    ["subject_types_supported"] = new[] { "pairwise" },
                },
                _ when path == $"/{TenantId}/discovery/v2.0/keys" => Jwks(),
                _ => null,
            };
            context.Response.StatusCode = body is null ? 404 : 200;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body ?? new { error = "not found" }));
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    /// <summary>GET authorize: signs in <see cref="SignedIn"/> and sends the browser back to its redirect with a one-time code.</summary>
    private void Authorize(HttpListenerContext context)
    {
        var query = System.Web.HttpUtility.ParseQueryString(context.Request.Url!.Query);
        if (SignedIn is not { } user || query["response_type"] != "code" || query["code_challenge_method"] != "S256"
            || query["client_id"] is not { } client || query["redirect_uri"] is not { } redirect || query["code_challenge"] is not { } challenge)
        {
            context.Response.StatusCode = 400;
            context.Response.Close();
            return;
        }

        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
        lock (_codes)
            _codes[code] = (client, redirect, challenge, user);
        context.Response.StatusCode = 302;
        context.Response.RedirectLocation = $"{redirect}?code={code}&state={Uri.EscapeDataString(query["state"] ?? "")}";
        context.Response.Close();
    }

    /// <summary>POST token: the code, once, for its client and redirect, with the verifier of its challenge.</summary>
    private async Task TokenAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream);
        var form = System.Web.HttpUtility.ParseQueryString(await reader.ReadToEndAsync());
        context.Response.AddHeader("Access-Control-Allow-Origin", context.Request.Headers["Origin"] ?? "*"); // as Entra ID answers a single-page app
        var grant = (ClientId: "", RedirectUri: "", Challenge: "", User: (Audience: "", ObjectId: "", Roles: Array.Empty<string>()));
        bool known;
        lock (_codes)
            known = form["code"] is { } code && _codes.Remove(code, out grant);
        var verified = known && form["grant_type"] == "authorization_code" && form["client_id"] == grant.ClientId && form["redirect_uri"] == grant.RedirectUri
                       && form["code_verifier"] is { } verifier && Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) == grant.Challenge;
        object body = verified
            ? new { access_token = Token(grant.User.Audience, grant.User.ObjectId, grant.User.Roles), token_type = "Bearer", expires_in = 3600 }
            : new { error = "invalid_grant" };
        TokensGiven += verified ? 1 : 0;
        context.Response.StatusCode = verified ? 200 : 400;
        context.Response.ContentType = "application/json";
        await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body)));
        context.Response.Close();
    }

    private object Jwks()
    {
        var parameters = _rsa.ExportParameters(includePrivateParameters: false);
        return new
        {
            keys = new[]
            {
                new
                {
                    kty = "RSA", use = "sig", kid = KeyId, alg = "RS256",
                    n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent),
                },
            },
        };
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
        _rsa.Dispose();
    }
}
