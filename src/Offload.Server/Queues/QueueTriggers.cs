using Azure.Storage.Queues;
using Microsoft.Azure.WebJobs.Host;

namespace Offload.Server.Queues;

/// <summary>
/// Hosts the queue triggers with the Azure WebJobs SDK, the listener the Functions host itself runs, so
/// dequeue, visibility renewal, retries and poison queues behave the same on both hosts. Its settings come from
/// the root host.json (<c>extensions.queues</c>), overridable like in Azure with
/// <c>AzureFunctionsJobHost__extensions__queues__batchSize</c> and friends.
/// </summary>
public static class QueueTriggers
{
    public const string HostJsonOverridePrefix = "AzureFunctionsJobHost__";

    public static IHostBuilder AddOffloadQueueTriggers(this IHostBuilder host) =>
        host.ConfigureWebJobs(webJobs =>
        {
            webJobs.AddAzureStorageQueues(queues => ReadHostJson().GetSection("extensions:queues").Bind(queues));
        });

    public static IConfiguration ReadHostJson() =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "host.json"), optional: false)
            .AddEnvironmentVariables(HostJsonOverridePrefix)
            .Build();
}
