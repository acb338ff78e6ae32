using Offload;
using Offload.Server;
using Offload.Server.Commands;
using Offload.Server.Jobs;
using Offload.Server.Queues;
using Offload.Telemetry;

// Settings files sit beside the binary, wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (KeysCommand.Matches(args))
    return await KeysCommand.RunAsync(args, builder.Configuration);  // keys create|list|revoke: API keys without the API

builder.UseOffloadServerDefaults(args);              // http://127.0.0.1:7071 unless --urls / ASPNETCORE_URLS say otherwise
builder.Services.AddOffload(builder.Configuration);  // the application, exactly as the Functions host registers it
builder.Services.AddOffloadQueueTriggers();          // WebJobs SDK queue listeners: host.json + --queues/--concurrency
builder.Services.AddHostedService<SweeperService>(); // re-sends lost messages (one process at a time sweeps)
builder.AddOffloadTelemetry("offload-server");       // traces, metrics, logs over OTLP / to App Insights, when configured
builder.Services.AddOffloadApiDocument();            // the OpenAPI document of the routes, at /api/openapi.json

var app = builder.Build();
app.UseExceptionHandler();                           // any unexpected error: 500 as application/problem+json
app.UseStatusCodePages();                            // unknown routes and methods: problem+json too
app.UseAuthentication();                             // Authorization: Bearer <API key | Entra ID token>
app.UseAuthorization();                              // each route's scope; 401/403 as problem+json
app.MapOffloadApi();                                 // the same routes as the Functions host, under /api, and their document
app.Run();
return 0;
