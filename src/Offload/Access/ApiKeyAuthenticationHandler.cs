using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Storage;

namespace Offload.Access;

/// <summary>
/// <c>Authorization: Bearer offload_…</c>: checks an API key against <see cref="ApiKeyStore"/> and hands on the
/// key's owner and scopes as a <see cref="Caller"/> principal.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder, ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerCredential.Of(Request) is not { } presented)
            return AuthenticateResult.NoResult();

        KeyIdentity? identity;
        try
        {
            identity = await keys.AuthenticateAsync(presented, Context.RequestAborted);
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
        {
            // Not the caller's fault: the answer is 503, not 401 (see AccessResults).
            AccessResults.MarkStorageUnavailable(Context);
            return AuthenticateResult.Fail("Storage is unavailable; the key could not be checked.");
        }

        return identity is null
            ? AuthenticateResult.Fail("The API key is unknown or revoked.")
            : AuthenticateResult.Success(new AuthenticationTicket(
                Caller.Principal(identity.Owner, identity.Scopes, Scheme.Name, identity.Name), Scheme.Name));
    }
}
