using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Offload.Telemetry;

/// <summary>
/// Traces, metrics and logs, as both hosts register them (eShop's service defaults): the application's own spans and
/// meters (<see cref="Instrumentation"/>), ASP.NET Core and outgoing HTTP, exported over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set and to Application Insights when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>
/// is. With neither, nothing is registered at all: no listener, so no span is even made.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceNameKey = "OTEL_SERVICE_NAME";
    public const string AppInsightsKey = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>What infra/ writes beside the connection string: <c>ClientId=…;Authorization=AAD</c> (local auth is off).</summary>
    public const string AppInsightsAuthenticationKey = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>
    /// Registers telemetry when an exporter is configured; <paramref name="host"/> adds what only one host knows
    /// (the Functions worker's defaults). The service is named <c>OTEL_SERVICE_NAME</c>, else the Azure app's name
    /// (<c>WEBSITE_SITE_NAME</c>), else <paramref name="serviceName"/>.
    /// </summary>
    public static IHostApplicationBuilder AddOffloadTelemetry(
        this IHostApplicationBuilder builder, string serviceName, Action<OpenTelemetryBuilder>? host = null)
    {
        var configuration = builder.Configuration;
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]);
        var appInsights = configuration[AppInsightsKey] is { Length: > 0 } connectionString ? connectionString : null;
        if (!otlp && appInsights is null)
            return builder;

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                configuration[ServiceNameKey] is { Length: > 0 } named ? named : configuration["WEBSITE_SITE_NAME"] ?? serviceName))
            .WithTracing(tracing => tracing
                .AddSource(Instrumentation.Name)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsHealthProbe(context))
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(Instrumentation.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddInstrumentation(sp => ActivatorUtilities.CreateInstance<QueueDepthGauge>(sp)))
            .WithLogging(configureBuilder: null, options =>
            {
                options.IncludeScopes = true;            // the job id (JobLogScope) on every record of a job's work
                options.IncludeFormattedMessage = true;
            });

        if (otlp)
            telemetry.UseOtlpExporter(); // OTEL_EXPORTER_OTLP_PROTOCOL, _HEADERS, OTEL_BSP_*, OTEL_METRIC_EXPORT_INTERVAL apply
        if (appInsights is not null)
        {
            telemetry.UseAzureMonitorExporter(o =>
            {
                o.ConnectionString = appInsights;
                if (ManagedIdentityClientId(configuration[AppInsightsAuthenticationKey]) is { } clientId)
                    o.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
            });
        }

        host?.Invoke(telemetry);
        // Last, so it is the sampler whatever an exporter set: a span with no parent from an HTTP client is the queue
        // listener polling or the depth gauge reading, not work. Everything else is kept; children follow their parent.
        telemetry.WithTracing(tracing => tracing.SetSampler(new ParentBasedSampler(new NoRootClientSpans())));
        return builder;
    }

    /// <summary>The client id in <c>ClientId=…;Authorization=AAD</c>; <c>null</c> for any other authentication string.</summary>
    public static string? ManagedIdentityClientId(string? authentication)
    {
        if (string.IsNullOrWhiteSpace(authentication))
            return null;
        var parts = authentication.Split(";", StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0].Trim(), pair => pair[1].Trim(), StringComparer.OrdinalIgnoreCase);
        return parts.TryGetValue("Authorization", out var kind) && kind.Equals("AAD", StringComparison.OrdinalIgnoreCase)
            && parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? clientId
            : null;
    }

    private static bool IsHealthProbe(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/api/health", StringComparison.OrdinalIgnoreCase);

    private sealed class NoRootClientSpans : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            new(samplingParameters.Kind == System.Diagnostics.ActivityKind.Client ? SamplingDecision.Drop : SamplingDecision.RecordAndSample);
    }
}
