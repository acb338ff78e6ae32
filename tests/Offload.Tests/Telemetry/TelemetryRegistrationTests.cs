using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Offload.Telemetry;

namespace Offload.Tests.Telemetry;

public sealed class TelemetryRegistrationTests
{
    private static HostApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        // What AddOffload registers and the queue depth gauge reads (not before a collection: no I/O here).
        builder.Services.AddSingleton(new QueueServiceClient("UseDevelopmentStorage=true"));
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    [Fact]
    public void WithoutAnExporter_NothingIsRegistered()
    {
        var builder = Builder([]);

        builder.AddOffloadTelemetry("offload-tests");

        using var host = builder.Build();
        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.Null(host.Services.GetService<MeterProvider>());
    }

    [Theory]
    [InlineData(TelemetryServiceCollectionExtensions.OtlpEndpointKey, "http://127.0.0.1:4318")]
    [InlineData(TelemetryServiceCollectionExtensions.AppInsightsKey, "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/")]
    public void WithAnExporter_TracesAndMetricsAreOn(string key, string value)
    {
        var builder = Builder(new() { [key] = value });
        var hostPart = 0;

        builder.AddOffloadTelemetry("offload-tests", _ => hostPart++);

        using var host = builder.Build();
        Assert.NotNull(host.Services.GetService<TracerProvider>());
        Assert.NotNull(host.Services.GetService<MeterProvider>());
        Assert.Equal(1, hostPart);
    }

    [Theory]
    [InlineData("ClientId=1b2c;Authorization=AAD", "1b2c")]
    [InlineData(" clientid = 1b2c ; authorization = aad ", "1b2c")]
    [InlineData("Authorization=AAD", null)]
    [InlineData("ClientId=1b2c", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void TheAppInsightsAuthenticationString_NamesTheIdentity(string? authentication, string? clientId) =>
        Assert.Equal(clientId, TelemetryServiceCollectionExtensions.ManagedIdentityClientId(authentication));
}
