using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Offload;
using Offload.Functions.Access;
using Offload.Functions.Jobs;
using Offload.Jobs;
using Offload.Telemetry;

var builder = FunctionsApplication.CreateBuilder(args);

builder.ConfigureFunctionsWebApplication();          // HTTP triggers get ASP.NET Core's HttpRequest
builder.UseMiddleware<AccessMiddleware>();           // each function's scope, checked as the server checks it
builder.Services.AddOffload(builder.Configuration);  // the application, exactly as the server registers it
builder.Services.Configure<HostFacts>(facts =>       // what this host imposes: host.json's functionTimeout
    HostJsonFacts.Apply(facts, builder.Configuration));
builder.AddOffloadTelemetry("offload-functions",     // as the server's, plus the worker's invocation spans
    telemetry => telemetry.UseFunctionsWorkerDefaults());

builder.Build().Run();
