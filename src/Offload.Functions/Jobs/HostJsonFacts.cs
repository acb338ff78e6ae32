using System.Globalization;
using Microsoft.Extensions.Configuration;
using Offload.Jobs;

namespace Offload.Functions.Jobs;

/// <summary>
/// What the Functions host will impose on the app, from the host.json deployed beside the worker (and the
/// <c>AzureFunctionsJobHost__functionTimeout</c> app setting, which overrides it as the host itself reads it), and the
/// work queues this app serves: those whose function is not disabled (<c>AzureWebJobs.&lt;function&gt;.Disabled</c>, which
/// infra/main.bicep sets for every function of the other app).
/// </summary>
public static class HostJsonFacts
{
    public static void Apply(HostFacts facts, IConfiguration configuration)
    {
        var hostJson = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "host.json"), optional: true)
            .Build();
        var timeout = configuration["AzureFunctionsJobHost:functionTimeout"] ?? hostJson["functionTimeout"];
        facts.FunctionTimeout = TimeSpan.TryParse(timeout, CultureInfo.InvariantCulture, out var value) ? value : null;
        facts.ServedQueues = [.. Queues.WorkQueueFunctions.ByQueue
            .Where(f => !bool.TryParse(configuration[$"AzureWebJobs.{f.Value}.Disabled"], out var disabled) || !disabled)
            .Select(f => f.Key)];
    }
}
