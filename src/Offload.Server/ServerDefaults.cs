using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Offload.Http;
using Offload.Server.Access;
using Offload.Server.Queues;

namespace Offload.Server;

public static class ServerDefaults
{
    /// <summary>The port <c>func start</c> uses, so the README's examples work against either host.</summary>
    public const string Url = "http://127.0.0.1:7071";

    public static WebApplicationBuilder UseOffloadServerDefaults(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddCommandLine(args, WorkerOptions.Switches); // --queues, --concurrency
        if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
            builder.WebHost.UseUrls(Url);

        builder.Services.AddOptions<HttpLimitsOptions>().BindConfiguration(HttpLimitsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IConfigureOptions<KestrelServerOptions>, HttpLimitsOptions.ConfigureKestrel>();

        builder.Services.AddProblemDetails();
        builder.Services.AddAuthorization();             // the middleware's services; the policies come from AddOffload
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccessDeniedResultHandler>();
        builder.Services.Configure<JsonOptions>(o =>
            o.SerializerOptions.DefaultIgnoreCondition = ApiResults.Json.DefaultIgnoreCondition);
        return builder;
    }
}
