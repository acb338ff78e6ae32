using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Queues;
using Offload.IntegrationTests.Infrastructure;
using Offload.Messaging;
using Offload.Testing;

namespace Offload.IntegrationTests.Faults;

/// <summary>
/// Messages no worker can handle, put straight on the queues as a stray producer would: each ends on its poison queue
/// and is logged, the host does not crash, and real work keeps flowing past them.
/// </summary>
public sealed class MalformedMessageTests
{
    [Fact]
    public async Task BadMessages_GoToPoison_AreLogged_AndOtherMessagesKeepFlowing()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var mail = await MailDev.StartAsync();
        await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string>
        {
            ["Email__SmtpPort"] = mail.SmtpPort.ToString(CultureInfo.InvariantCulture),
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.250",
        });
        var plain = new QueueServiceClient(azurite.ConnectionString); // sends text as it is: not Base64
        var base64 = new QueueServiceClient(azurite.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var unknownJob = JobMessage.For("0193a0b1c2d3e4f5a6b7c8d9e0ffffff").ToJson();
        var bad = new (QueueServiceClient Client, string Queue, string Body)[]
        {
            (plain, QueueNames.HeavyCompute, "this is not base64 {}"),
            (base64, QueueNames.HeavyCompute, "not json at all"),
            (base64, QueueNames.HighPriority, """{"v":7,"jobId":"0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3"}"""),
            (base64, QueueNames.HighPriority, unknownJob),
            (plain, QueueNames.Watchdog, "%%%"),
        };

        foreach (var (client, queue, body) in bad)
            await client.GetQueueClient(queue).SendMessageAsync(body);
        using var response = await server.Http.PostAsJsonAsync("/api/emails", new { to = "after-the-bad-ones@example.com", template = "welcome", model = new { name = "Ok" } });
        var email = await server.WaitForFinalAsync((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!, TimeSpan.FromSeconds(30));

        Assert.Equal("succeeded", email.GetProperty("status").GetString());
        Assert.Single(await mail.WaitForAsync(e => e.To == "after-the-bad-ones@example.com"));
        // Undecodable messages: the listener moves them to the poison queue (and says so). Our poison handler cannot
        // decode them either, so they stay there as they came, for a person to look at; the listener holds each
        // invisible while it tries, so count them rather than peek.
        var stuck = new Dictionary<string, int>();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(250))
        {
            foreach (var queue in new[] { QueueNames.HeavyComputePoison, QueueNames.HighPriorityPoison, QueueNames.WatchdogPoison })
                stuck[queue] = (await plain.GetQueueClient(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount;
            if (stuck.Values.Sum() == 2 || DateTime.UtcNow > deadline)
                break;
        }

        Assert.Equal((1, 0, 1), (stuck[QueueNames.HeavyComputePoison], stuck[QueueNames.HighPriorityPoison], stuck[QueueNames.WatchdogPoison]));
        var log = server.Output.Text;
        Assert.Contains("Message decoding has failed", log);
        Assert.Contains("Moving message to queue 'heavy-compute-poison'", log);

        // Decodable but unusable: copied to the poison queue by the worker (1005 malformed, 1006 unknown job), then
        // taken by the poison-queue handler, which logs each with its body (1011) or job (1012). Nothing is left over.
        Assert.Contains("[1005]", log);
        Assert.Contains("[1006]", log);
        Assert.Contains("[1012]", log);
        Assert.Equal(2, log.Split("[1011]").Length - 1);
        Assert.Contains("not json at all", log);
        Assert.Contains("\"v\":7", log);
        Assert.False(server.HasExited);
    }
}
