using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Server;

/// <summary>
/// DELETE /api/videos/{id} and POST …/retry over HTTP, on a server of their own whose encoder is slow (one encode at a
/// time), so a job can be caught running, or still queued behind another.
/// </summary>
public sealed class CancelAndRetryEndToEndTests(SlowEncoderServerFixture fixture) : IClassFixture<SlowEncoderServerFixture>
{
    private HttpClient Http => fixture.Http;

    private async Task<string> UploadAsync(byte[] bytes)
    {
        using var response = await Http.PostVideoAsync(bytes);
        return await response.AcceptedIdAsync();
    }

    private async Task<string> UploadAsync(Clip clip) => await UploadAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(clip)));

    private Task<JsonElement> GetAsync(string id) => Http.GetFromJsonAsync<JsonElement>($"/api/videos/{id}");

    private static string Status(JsonElement job) => job.GetProperty("status").GetString()!;

    private async Task WaitForStatusAsync(string id, string status)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); Status(await GetAsync(id)) != status; await Task.Delay(100))
            Assert.True(DateTime.UtcNow < deadline, $"{id} never became {status}:\n{fixture.Server.Output.Tail()}");
    }

    [Fact]
    public async Task Delete_CancelsARunningAndAQueuedVideo_AndRetrySendsOneThroughAgain()
    {
        var running = await UploadAsync(Clip.Long);
        await WaitForStatusAsync(running, "processing");
        var waiting = await UploadAsync(Clip.Silent); // behind the running one: one encode at a time

        using var cancelWaiting = await Http.DeleteAsync($"/api/videos/{waiting}");
        using var cancelRunning = await Http.DeleteAsync($"/api/videos/{running}");

        Assert.Equal(HttpStatusCode.OK, cancelWaiting.StatusCode);
        Assert.Equal("cancelled", Status(await cancelWaiting.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Equal(HttpStatusCode.OK, cancelRunning.StatusCode);
        var cancelled = await cancelRunning.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("cancelled", Status(cancelled));
        Assert.Equal("Cancelled by request.", cancelled.GetProperty("error").GetString());
        Assert.Equal("cancelled", cancelled.GetProperty("events").EnumerateArray().Last().GetProperty("status").GetString());
        await Api.AssertProblemAsync(await Http.GetAsync($"/api/videos/{running}/output"), HttpStatusCode.Conflict);

        // The worker is free again, the cancelled jobs stay cancelled, and a retry runs one to the end.
        using var retry = await Http.PostAsync($"/api/videos/{waiting}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal($"/api/videos/{waiting}", retry.Headers.Location?.OriginalString);
        var done = await fixture.Server.WaitForFinalAsync($"/api/videos/{waiting}");
        Assert.Equal(("succeeded", 1), (Status(done), done.GetProperty("attempts").GetInt32()));
        Assert.Equal(["queued", "cancelled", "queued", "processing", "succeeded"],
            done.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("status").GetString()));
        Assert.Equal("cancelled", Status(await GetAsync(running)));
    }

    [Fact]
    public async Task Delete_Answers409ForAFinishedJob_404ForAnUnknownOne_And400ForAMalformedId()
    {
        var id = await UploadAsync(Clip.Silent);
        await fixture.Server.WaitForFinalAsync($"/api/videos/{id}");

        var problem = await Api.AssertProblemAsync(await Http.DeleteAsync($"/api/videos/{id}"), HttpStatusCode.Conflict);
        Assert.Equal("succeeded", problem.GetProperty("jobStatus").GetString());
        await Api.AssertProblemAsync(await Http.DeleteAsync("/api/videos/0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await Http.DeleteAsync("/api/videos/not-a-job"), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await Http.PostAsync($"/api/videos/{id}/retry", null), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Retry_OfAFailedVideo_RunsItAgain_AndTheHistoryKeepsBothRuns()
    {
        var noise = new byte[64 * 1024];
        Random.Shared.NextBytes(noise);
        var id = await UploadAsync(noise);
        Assert.Equal("failed", Status(await fixture.Server.WaitForFinalAsync($"/api/videos/{id}")));

        using var retry = await Http.PostAsync($"/api/videos/{id}/retry", null);

        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        await WaitForStatusAsync(id, "failed");
        var job = await GetAsync(id);
        Assert.Contains("not a video", job.GetProperty("error").GetString());
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        var events = job.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["queued", "processing", "failed", "queued", "processing", "failed"], events.Select(e => e.GetProperty("status").GetString()));
        Assert.StartsWith("Sent through again by request; it had failed: The upload is not a video", events[3].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Retry_OfAVideoThatKeepsFailing_SendsOneFailedEmail_AndStopsAtJobsMaxRetries()
    {
        var to = $"owner-{Guid.NewGuid():N}@example.com";
        var noise = new byte[64 * 1024];
        Random.Shared.NextBytes(noise);
        using var upload = await Http.PostVideoAsync(noise, $"?notify={Uri.EscapeDataString(to)}");
        var id = await upload.AcceptedIdAsync();
        Assert.Equal("failed", Status(await fixture.Server.WaitForFinalAsync($"/api/videos/{id}")));
        Assert.Single(await fixture.Mail.WaitForAsync(e => e.To == to)); // the first failure's email is out

        for (var retry = 1; retry <= SlowEncoderServerFixture.MaxRetries; retry++)
        {
            using var response = await Http.PostAsync($"/api/videos/{id}/retry", null);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await WaitForFailuresAsync(id, retry + 1);
        }

        var before = await GetAsync(id);
        var problem = await Api.AssertProblemAsync(await Http.PostAsync($"/api/videos/{id}/retry", null), HttpStatusCode.Conflict);

        Assert.Contains($"Jobs__MaxRetries allows {SlowEncoderServerFixture.MaxRetries}", problem.GetProperty("detail").GetString());
        Assert.Equal(SlowEncoderServerFixture.MaxRetries, problem.GetProperty("maxRetries").GetInt32());
        var after = await GetAsync(id);
        Assert.Equal("failed", Status(after));
        Assert.Equal(before.GetProperty("events").GetArrayLength(), after.GetProperty("events").GetArrayLength());
        // Four runs, one outcome, one email: give a second one time to arrive, should there be one.
        var emails = await fixture.Mail.WaitForAsync(e => e.To == to, count: 2, timeout: TimeSpan.FromSeconds(5));
        Assert.Equal("Your video could not be processed", Assert.Single(emails).Subject);
    }

    private async Task WaitForFailuresAsync(string id, int failures)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(100))
        {
            var job = await GetAsync(id);
            if (Status(job) == "failed" && job.GetProperty("events").EnumerateArray().Count(e => e.GetProperty("status").GetString() == "failed") == failures)
                return;
            Assert.True(DateTime.UtcNow < deadline, $"{id} did not fail {failures} times:\n{fixture.Server.Output.Tail()}");
        }
    }

    [Fact]
    public async Task Retry_OfAnUnknownEmail_Answers404()
    {
        await Api.AssertProblemAsync(await Http.PostAsync("/api/emails/0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3/retry", null), HttpStatusCode.NotFound);
    }
}
