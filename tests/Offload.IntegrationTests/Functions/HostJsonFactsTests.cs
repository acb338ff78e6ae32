using Microsoft.Extensions.Configuration;
using Offload.Functions.Jobs;
using Offload.Jobs;
using Offload.Messaging;

namespace Offload.IntegrationTests.Functions;

/// <summary>What the Functions app tells the rest of the application about its host: which work queues it serves.</summary>
public sealed class HostJsonFactsTests
{
    private static HostFacts Apply(Dictionary<string, string?> settings)
    {
        var facts = new HostFacts();
        HostJsonFacts.Apply(facts, new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return facts;
    }

    [Fact]
    public void AnAppServesTheWorkQueuesWhoseFunctionsAreNotDisabled_AsMainBicepDisablesTheOtherAppsFunctions()
    {
        Assert.Equal(WorkQueues.Names.Order(StringComparer.Ordinal), Apply([]).ServedQueues!.Order(StringComparer.Ordinal));
        var api = Apply(new() { ["AzureWebJobs.HeavyComputeFunction.Disabled"] = "true" });
        Assert.Equal([QueueNames.HighPriority, QueueNames.Webhooks], api.ServedQueues!.Order(StringComparer.Ordinal));
        var encode = Apply(new()
        {
            ["AzureWebJobs.HighPriorityFunction.Disabled"] = "true",
            ["AzureWebJobs.WebhooksFunction.Disabled"] = "True",
            ["AzureWebJobs.HeavyComputeFunction.Disabled"] = "false",
        });
        Assert.Equal([QueueNames.HeavyCompute], encode.ServedQueues);
    }
}
