using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Queues;
using Offload.Access;
using Offload.Email;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Testing;

namespace Offload.IntegrationTests.Dashboard;

/// <summary>
/// GET /api/queues and the dead letters over HTTP, on a real server whose poison-queue listeners run: a message that
/// dies fails its job and is kept; requeued, its job goes through again; one that cannot be sent on says why; delete
/// takes it out.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class QueuesApiTests(ServerFixture fixture)
{
    private HttpClient Admin => fixture.Http;

    [Fact]
    public async Task ADeadMessage_FailsItsJob_IsKept_AndRequeued_ItsJobSucceeds()
    {
        var id = await DeadMessages.KillEmailAsync(fixture);
        var letter = await DeadMessages.WaitForLetterAsync(fixture, QueueNames.HighPriority, id);
        Assert.StartsWith("Its job is failed", letter.GetProperty("outcome").GetString());
        Assert.Equal($"/api/jobs/{id}", letter.GetProperty("jobUrl").GetString());
        var failed = await Admin.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("high-priority-poison", failed.GetProperty("error").GetString());

        var queues = await Admin.GetFromJsonAsync<JsonElement>("/api/queues");
        var names = queues.GetProperty("queues").EnumerateArray().Select(q => q.GetProperty("name").GetString()).ToList();
        Assert.Equal(new[] { QueueNames.HeavyCompute, QueueNames.HighPriority, QueueNames.Webhooks, QueueNames.Watchdog }.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        Assert.True(queues.GetProperty("queues").EnumerateArray().Single(q => q.GetProperty("name").GetString() == QueueNames.HighPriority).GetProperty("deadLetters").GetInt32() >= 1);

        using var requeued = await Admin.PostAsync($"/api/queues/high-priority/dead-letters/{letter.GetProperty("id").GetString()}/requeue", null);
        Assert.Equal(HttpStatusCode.Accepted, requeued.StatusCode);
        var job = await fixture.Server.WaitForFinalAsync($"/api/emails/{id}");
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.DoesNotContain(await DeadMessages.LettersAsync(fixture, QueueNames.HighPriority), l => l.GetProperty("jobId").GetString() == id);
    }

    [Fact]
    public async Task ADeadLetterThatCannotBeSentOn_Says409_AndIsDeleted()
    {
        var body = $"not a job message {Guid.NewGuid():N}";
        await DeadMessages.PoisonAsync(fixture, QueueNames.Webhooks, body);
        var letter = await DeadMessages.WaitForLetterAsync(fixture, QueueNames.Webhooks, null, body);
        Assert.StartsWith("Unreadable", letter.GetProperty("outcome").GetString());
        var path = $"/api/queues/webhooks/dead-letters/{letter.GetProperty("id").GetString()}";

        var problem = await Api.AssertProblemAsync(await Admin.PostAsync(path + "/requeue", null), HttpStatusCode.Conflict);
        Assert.Contains("Delete it", problem.GetProperty("title").GetString());
        var all = await Admin.PostAsync("/api/queues/webhooks/dead-letters/requeue", null);
        var notSent = (await all.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("notSent").EnumerateArray()
            .Single(n => n.GetProperty("id").GetString() == letter.GetProperty("id").GetString());
        Assert.Contains("cannot be read", notSent.GetProperty("why").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync(path)).StatusCode);
        Assert.DoesNotContain(await DeadMessages.LettersAsync(fixture, QueueNames.Webhooks), l => l.GetProperty("body").GetString() == body);
        await Api.AssertProblemAsync(await Admin.DeleteAsync(path), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnUnknownQueue_Is404_NamingTheQueues_AndNobodyButAnAdminSeesThem()
    {
        var problem = await Api.AssertProblemAsync(await Admin.GetAsync("/api/queues/emails/dead-letters"), HttpStatusCode.NotFound);
        Assert.Contains(QueueNames.HighPriority, problem.GetProperty("detail").GetString());
        using var alice = fixture.Server.Client((await fixture.Server.CreateKeyAsync(Scopes.Videos, Scopes.Emails, Scopes.Webhooks)).Key);
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.GetAsync("/api/queues")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.DeleteAsync("/api/queues/high-priority/dead-letters")).StatusCode);
    }
}

/// <summary>Messages that die as the listener kills them: put on the poison queue, where the server's dead-letter listener takes them.</summary>
public static class DeadMessages
{
    /// <summary>An email job stored without its message, whose message then dies; its id.</summary>
    public static async Task<string> KillEmailAsync(ServerFixture fixture)
    {
        var job = TestJobs.New(JobId.New(), EmailJob.Kind, ServerProcess.AdminOwner, DateTimeOffset.UtcNow);
        job.Payload = JobPayload.Serialize(new EmailPayload($"dead-{Guid.NewGuid():N}@example.com", "welcome", new Dictionary<string, string> { ["name"] = "Ada" }));
        await DirectStorage.Jobs(fixture.Azurite.ConnectionString).CreateAsync(job, "Accepted.", CancellationToken.None);
        await PoisonAsync(fixture, QueueNames.HighPriority, JobMessage.For(job.Id).ToJson());
        return job.Id;
    }

    public static async Task PoisonAsync(ServerFixture fixture, string queue, string body)
    {
        var poison = new QueueClient(fixture.Azurite.ConnectionString, QueueNames.PoisonOf(queue), new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await poison.CreateIfNotExistsAsync();
        await poison.SendMessageAsync(body);
    }

    public static async Task<List<JsonElement>> LettersAsync(ServerFixture fixture, string queue) =>
        [.. (await fixture.Http.GetFromJsonAsync<JsonElement>($"/api/queues/{queue}/dead-letters")).GetProperty("deadLetters").EnumerateArray()];

    /// <summary>Waits for the dead-letter listener (it polls every 10 s) to keep the message of <paramref name="jobId"/> (or with <paramref name="body"/>).</summary>
    public static async Task<JsonElement> WaitForLetterAsync(ServerFixture fixture, string queue, string? jobId, string? body = null)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(45); ; await Task.Delay(250))
        {
            var found = (await LettersAsync(fixture, queue)).Where(l => jobId is null
                ? l.GetProperty("body").GetString() == body
                : l.TryGetProperty("jobId", out var j) && j.GetString() == jobId).ToList();
            if (found.Count > 0)
                return found[0];
            Assert.True(DateTime.UtcNow < deadline, $"the dead message was never kept:\n{fixture.Server.Output.Tail()}");
        }
    }
}
