using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Offload;

var builder = FunctionsApplication.CreateBuilder(args);

builder.ConfigureFunctionsWebApplication();          // HTTP triggers get ASP.NET Core's HttpRequest
builder.Services.AddOffload(builder.Configuration);  // the application, exactly as the server registers it

builder.Build().Run();
