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
/// with its own RSA key. The server under test fetches and checks them exactly as it would Entra ID's.
/// </summary>
public sealed class OpenIdProvider : IAsyncDisposable
{
    private const string KeyId = "offload-test-key";
    private readonly HttpListener _listener = new();
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly Task _serving;

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
