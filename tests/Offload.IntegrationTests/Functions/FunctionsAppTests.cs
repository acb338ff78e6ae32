using System.Text.Json;
using Offload.Access;
using Offload.Email;
using Offload.Http;
using Offload.Messaging;
using Offload.Storage;
using Offload.Testing;
using Offload.Uploads;
using Offload.Videos;

namespace Offload.IntegrationTests.Functions;

/// <summary>What the Functions host reads from the build output: the generated functions.metadata and host.json.</summary>
public sealed class FunctionsAppTests
{
    private static readonly string Output = Repo.ProjectOutput("Offload.Functions");

    private static Dictionary<string, JsonElement> Functions()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Output, "functions.metadata")));
        return json.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone());
    }

    private static JsonElement Trigger(JsonElement function) =>
        function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

    /// <summary>infra/functions.json: which app runs which function.</summary>
    private static Dictionary<string, List<string>> FunctionApps()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "infra", "functions.json")));
        return json.RootElement.EnumerateObject().Where(p => !p.Name.StartsWith('$'))
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(f => f.GetString()!).ToList());
    }

    [Fact]
    public void InfraFunctionsJson_ListsEveryFunctionOfTheMetadata_InExactlyOneApp()
    {
        var apps = FunctionApps();

        Assert.Equal(["api", "encode"], apps.Keys.Order());
        Assert.Equal(Functions().Keys.Order(), apps.Values.SelectMany(f => f).Order());
        foreach (var function in Functions().Keys)
            Assert.Single(apps, app => app.Value.Contains(function));
    }

    [Fact]
    public void EachWorkQueue_HasOneFunctionInTheAppThatServesIt_AndOneDeadLetterFunctionInTheApiApp()
    {
        var apps = FunctionApps();
        var queueFunctions = Functions().Where(f => Trigger(f.Value).GetProperty("type").GetString() == "queueTrigger")
            .ToDictionary(f => f.Key, f => Trigger(f.Value).GetProperty("queueName").GetString()!);

        foreach (var queue in WorkQueues.All)
        {
            var work = Assert.Single(queueFunctions, f => f.Value == queue.Name).Key;
            var poison = Assert.Single(queueFunctions, f => f.Value == queue.Poison).Key;
            Assert.Contains(work, apps[queue.App]);
            Assert.Contains(poison, apps["api"]); // cheap work never scales out the encoder
        }
        // The rest are the watchdog's, beside the emails on the api app; every HTTP and timer function is there too.
        Assert.All(queueFunctions.Where(f => f.Value is QueueNames.Watchdog or QueueNames.WatchdogPoison), f => Assert.Contains(f.Key, apps["api"]));
        Assert.All(Functions().Where(f => Trigger(f.Value).GetProperty("type").GetString() != "queueTrigger"), f => Assert.Contains(f.Key, apps["api"]));
    }

    [Fact]
    public void WorkQueues_AreTheQueueNameConstants_AndQueuesOfOneAppShareTheirConcurrency()
    {
        Assert.Equal([QueueNames.HeavyCompute, QueueNames.HighPriority, QueueNames.Webhooks], WorkQueues.Names.Order());
        Assert.All(WorkQueues.All.GroupBy(q => q.App), app => Assert.Single(app.Select(q => (q.Concurrency, q.MaxPollingInterval)).Distinct()));
        Assert.Equal(1, WorkQueues.Get(QueueNames.HeavyCompute).Concurrency);
        Assert.Equal(32, WorkQueues.Get(QueueNames.HighPriority).Concurrency);
    }

    [Theory]
    [InlineData("UploadVideoFunction", "post", VideoRoutes.Videos)]
    [InlineData("GetVideoFunction", "get", VideoRoutes.Video)]
    [InlineData("CancelVideoFunction", "delete", VideoRoutes.Video)]
    [InlineData("RetryVideoFunction", "post", VideoRoutes.Retry)]
    [InlineData("RetryEmailFunction", "post", EmailRoutes.Retry)]
    [InlineData("GetVideoOutputFunction", "get", VideoRoutes.Output)]
    [InlineData("HealthFunction", "get", "health")]
    [InlineData("GetOpenApiFunction", "get", ApiRoutes.Document)]
    [InlineData("QueueEmailFunction", "post", EmailRoutes.Emails)]
    [InlineData("CreateUploadFunction", "post", UploadRoutes.Uploads)]
    [InlineData("SubmitUploadFunction", "post", UploadRoutes.Submit)]
    [InlineData("GetEmailFunction", "get", EmailRoutes.Email)]
    [InlineData("ListEmailTemplatesFunction", "get", EmailRoutes.Templates)]
    [InlineData("PreviewEmailTemplateFunction", "post", EmailRoutes.TemplatePreview)]
    [InlineData("CreateKeyFunction", "post", KeyRoutes.Keys)]
    [InlineData("ListKeysFunction", "get", KeyRoutes.Keys)]
    [InlineData("RevokeKeyFunction", "delete", KeyRoutes.Key)]
    public void Metadata_HttpFunctionsHaveTheServersRoutes(string name, string method, string route)
    {
        var trigger = Trigger(Functions()[name]);

        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(Offload.Http.ApiRoutes.FunctionsPrefix + route, trigger.GetProperty("route").GetString());
        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
    }

    [Fact]
    public void Metadata_TheSweeperRunsOnATimerEvery15Seconds_TheDefaultSweepInterval()
    {
        var trigger = Trigger(Functions()["SweepJobsFunction"]);

        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("*/15 * * * * *", trigger.GetProperty("schedule").GetString());
        Assert.Equal(TimeSpan.FromSeconds(15), new Offload.Jobs.JobOptions().SweepInterval);
    }

    [Theory]
    [InlineData("HeavyComputeFunction", QueueNames.HeavyCompute)]
    [InlineData("HighPriorityFunction", QueueNames.HighPriority)]
    [InlineData("HeavyComputeDeadLetterFunction", "heavy-compute-poison")]
    [InlineData("HighPriorityDeadLetterFunction", "high-priority-poison")]
    [InlineData("WatchdogFunction", QueueNames.Watchdog)]
    [InlineData("WatchdogDeadLetterFunction", "watchdog-poison")]
    public void Metadata_QueueFunctionsListenOnTheirOwnQueueThroughTheSharedConnection(string name, string queue)
    {
        var function = Functions()[name];
        var trigger = Trigger(function);

        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(queue, trigger.GetProperty("queueName").GetString());
        Assert.Equal(StorageNames.ConnectionName, trigger.GetProperty("connection").GetString());
        Assert.Equal("dotnet-isolated", function.GetProperty("language").GetString());
        Assert.Equal("Offload.Functions.dll", function.GetProperty("scriptFile").GetString());
    }

    [Fact]
    public void Output_HoldsTheRootHostJson_AndTheQueueExtension()
    {
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, "host.json")), File.ReadAllText(Path.Combine(Output, "host.json")));
        Assert.True(File.Exists(Path.Combine(Output, ".azurefunctions", "Microsoft.Azure.WebJobs.Extensions.Storage.Queues.dll")));
        Assert.Contains("AzureStorageQueues", File.ReadAllText(Path.Combine(Output, "extensions.json")));
    }

    [Fact]
    public void HostJson_RunsOneEncodeAtATime_AndBoundsTheFunctionTime()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "host.json")));
        var queues = json.RootElement.GetProperty("extensions").GetProperty("queues");

        Assert.Equal(1, queues.GetProperty("batchSize").GetInt32());
        Assert.Equal(0, queues.GetProperty("newBatchThreshold").GetInt32());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        var functionTimeout = TimeSpan.Parse(json.RootElement.GetProperty("functionTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(functionTimeout >= TimeSpan.FromHours(1));
        Assert.True(new EncodingOptions().TimeLimit < functionTimeout, "the job, not the host, must end an encode that is too long");
    }

    [Fact]
    public void LocalSettingsSample_HasEverySettingFuncStartNeeds()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "local.settings.sample.json")));
        var values = json.RootElement.GetProperty("Values");

        Assert.Equal("UseDevelopmentStorage=true", values.GetProperty(StorageNames.ConnectionName).GetString());
        Assert.Equal("dotnet-isolated", values.GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
    }
}
