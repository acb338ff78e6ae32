using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Offload.Access;

/// <summary>
/// Who may call, registered once for both hosts: one <c>Bearer</c> scheme that hands API keys to
/// <see cref="ApiKeyAuthenticationHandler"/> and JSON Web Tokens to the JwtBearer handler (Entra ID, when
/// configured), and one authorization policy per scope, named after it.
/// </summary>
public static class AccessServiceCollectionExtensions
{
    public const string BearerScheme = "Offload";
    public const string ApiKeyScheme = "ApiKey";
    public const string EntraScheme = "Entra";

    public static IServiceCollection AddOffloadAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<KeysApi>();

        var entra = configuration.GetSection($"{AuthOptions.SectionName}:{nameof(AuthOptions.Entra)}").Get<EntraOptions>() ?? new EntraOptions();
        var authentication = services.AddAuthentication(BearerScheme)
            .AddPolicyScheme(BearerScheme, "API key or Entra ID token", o => o.ForwardDefaultSelector = context =>
                entra.IsEnabled && BearerCredential.Of(context.Request) is { } credential && BearerCredential.IsJwt(credential) ? EntraScheme : ApiKeyScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyScheme, configureOptions: null);
        if (entra.IsEnabled)
            authentication.AddJwtBearer(EntraScheme, o => ConfigureEntra(o, entra));

        services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
        // The core services only: the server adds ASP.NET Core's authorization middleware on top (it needs routing,
        // which the Functions worker does not have); both evaluate policies with the same evaluator.
        services.AddAuthorizationCore();
        services.TryAddTransient<IPolicyEvaluator, PolicyEvaluator>();
        new AuthorizationBuilder(services)
            .AddPolicy(Scopes.Videos, p => p.AddAuthenticationSchemes(BearerScheme).RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(Scopes.Videos)))
            .AddPolicy(Scopes.Emails, p => p.AddAuthenticationSchemes(BearerScheme).RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(Scopes.Emails)))
            .AddPolicy(Scopes.Webhooks, p => p.AddAuthenticationSchemes(BearerScheme).RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(Scopes.Webhooks)))
            .AddPolicy(Scopes.Admin, p => p.AddAuthenticationSchemes(BearerScheme).RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(Scopes.Admin)))
            // A route that forgot to say who may call it is closed, not open.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(BearerScheme).RequireAuthenticatedUser().Build());
        return services;
    }

    private static void ConfigureEntra(JwtBearerOptions o, EntraOptions entra)
    {
        o.Authority = entra.Authority;
        o.RequireHttpsMetadata = new Uri(entra.Instance).Scheme == Uri.UriSchemeHttps;
        // Keep the token's own claim names (roles, scp, oid) instead of the WS-Federation URIs.
        o.MapInboundClaims = false;
        o.TokenValidationParameters.ValidAudiences = [entra.Audience!];
        // v2.0 tokens are checked against the metadata's issuer; v1.0 tokens (the default for a new app registration) carry this one.
        o.TokenValidationParameters.ValidIssuers = [$"https://sts.windows.net/{entra.TenantId}/"];
        o.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                if (context.Principal is { } token && EntraTokens.ToCaller(token, EntraScheme) is { } caller)
                    context.Principal = caller;
                else
                    context.Fail("The token names no subject.");
                return Task.CompletedTask;
            },
        };
    }
}
