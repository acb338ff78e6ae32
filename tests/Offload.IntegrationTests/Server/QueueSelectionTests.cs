using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Server;

/// <summary>
/// Celery's <c>worker -Q high_priority --concurrency=4</c>: a server started with <c>--queues</c> serves only those,
/// so encodes and emails can run on separate machines with their own limits.
/// </summary>
public sealed class QueueSelectionTests
{
    [Fact]
    public async Task Server_WithQueuesHighPriority_SendsEmailsAndLeavesEncodesQueued()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var mail = await MailDev.StartAsync();
        await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string>
        {
            ["Email__SmtpPort"] = mail.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.200",
        }, waitForHealthy: true, "--queues", "high-priority", "--concurrency", "4");

        using var upload = await server.Http.PostVideoAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent)));
        var video = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString();
        using var email = await server.Http.PostAsJsonAsync("/api/emails", new { to = "ops@example.com", template = "welcome", model = new { name = "Ops" } });
        Assert.Equal(HttpStatusCode.Accepted, email.StatusCode);

        Assert.Single(await mail.WaitForAsync(e => e.To == "ops@example.com"));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal("queued", (await server.Http.GetFromJsonAsync<JsonElement>(video)).GetProperty("status").GetString());
        Assert.Contains("Serving high-priority with concurrency 4", server.Output.Text);
        Assert.DoesNotContain("Serving heavy-compute", server.Output.Text);
    }

    [Fact]
    public async Task Server_RefusesToStart_WithAnUnknownQueue()
    {
        var closedPort = ServerProcess.FreePort();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(
            $"UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://127.0.0.1:{closedPort}", null, true, "--queues", "heavy_compute"));

        Assert.Contains("Worker:Queues names 'heavy_compute'", error.Message);
    }
}
