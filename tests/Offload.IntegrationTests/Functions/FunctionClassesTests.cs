using System.Net;
using System.Text.Json;
using System.Text;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Offload.Access;
using Offload.Email;
using Offload.Functions.Health;
using Offload.Functions.Videos;
using Offload.IntegrationTests.Infrastructure;
using Offload.Messaging;
using Offload.Testing;

namespace Offload.IntegrationTests.Functions;

/// <summary>The Functions adapters called directly, as the worker calls them, against Azurite and ffmpeg.</summary>
[Collection(StorageCollection.Name)]
public sealed class FunctionClassesTests(StorageFixture fixture)
{
    private T Create<T>() => ActivatorUtilities.CreateInstance<T>(fixture.Services);

    private DefaultHttpContext Request(string method, string path, byte[]? body = null, string? contentType = null)
    {
        // Who is calling, as the Functions host's AccessMiddleware leaves it (its own tests are in AccessMiddlewareTests).
        var context = new DefaultHttpContext
        {
            RequestServices = fixture.Services,
            User = Caller.Principal(TestCallers.Owner.OwnerId, TestCallers.Owner.Scopes, "test"),
        };
        context.Request.Method = method;
        context.Request.Path = path;
        if (body is not null)
        {
            context.Request.Body = new MemoryStream(body);
            context.Request.ContentLength = body.Length;
            context.Request.ContentType = contentType;
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    /// <summary>Writes the function's result to its HttpContext, as the worker's ASP.NET Core integration does (WorkerPipelineTests).</summary>
    private static async Task<(int Status, HttpContext Context, JsonElement Body)> RunAsync(HttpContext context, Task<IResult> function)
    {
        var result = await function;
        await result.ExecuteAsync(context);
        var text = Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (context.Response.StatusCode, context, body);
    }

    [Fact]
    public async Task Functions_UploadEncodeAndServeAVideo()
    {
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.WithAudio));
        var upload = Request("POST", "/api/videos", clip, "video/x-msvideo");

        var (status, context, body) = await RunAsync(upload, Create<UploadVideoFunction>().RunAsync(upload.Request, CancellationToken.None));

        Assert.Equal((int)HttpStatusCode.Accepted, status);
        var id = body.GetProperty("id").GetString()!;
        Assert.Equal($"/api/videos/{id}", context.Response.Headers.Location);
        Assert.Equal("queued", body.GetProperty("status").GetString());

        var message = QueuesModelFactory.QueueMessage("1", "pop", JobMessage.For(id).ToJson(), dequeueCount: 1);
        await Create<Offload.Functions.Queues.HeavyComputeFunction>().RunAsync(message, CancellationToken.None);

        var get = Request("GET", $"/api/videos/{id}");
        var (getStatus, _, job) = await RunAsync(get, Create<GetVideoFunction>().RunAsync(get.Request, id, CancellationToken.None));
        Assert.Equal(200, getStatus);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("h264", job.GetProperty("output").GetProperty("videoCodec").GetString());

        var output = Request("GET", $"/api/videos/{id}/output");
        var (outputStatus, outputContext, _) = await RunAsync(output, Create<GetVideoOutputFunction>().RunAsync(output.Request, id, CancellationToken.None));
        Assert.Equal(302, outputStatus);
        Assert.Contains($"/outputs/{id}/", outputContext.Response.Headers.Location.ToString());
        Assert.Contains("sp=r&", outputContext.Response.Headers.Location.ToString());
    }

    [Fact]
    public async Task Functions_CancelAndRetryAVideo_AndTheWatchdogLooksAtIt()
    {
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent));
        var upload = Request("POST", "/api/videos", clip, "video/x-msvideo");
        var (_, _, accepted) = await RunAsync(upload, Create<UploadVideoFunction>().RunAsync(upload.Request, CancellationToken.None));
        var id = accepted.GetProperty("id").GetString()!;

        var cancel = Request("DELETE", $"/api/videos/{id}");
        var (cancelStatus, _, cancelled) = await RunAsync(cancel, Create<CancelVideoFunction>().RunAsync(cancel.Request, id, CancellationToken.None));
        var retry = Request("POST", $"/api/videos/{id}/retry");
        var (retryStatus, retryContext, _) = await RunAsync(retry, Create<RetryVideoFunction>().RunAsync(retry.Request, id, CancellationToken.None));
        var check = QueuesModelFactory.QueueMessage("2", "pop", JobMessage.For(id).ToJson(), dequeueCount: 1);
        await Create<Offload.Functions.Queues.WatchdogFunction>().RunAsync(check, CancellationToken.None); // queued: nothing to watch

        Assert.Equal((200, "cancelled"), (cancelStatus, cancelled.GetProperty("status").GetString()));
        Assert.Equal(202, retryStatus);
        Assert.Equal($"/api/videos/{id}", retryContext.Response.Headers.Location);
        var get = Request("GET", $"/api/videos/{id}");
        var (_, _, job) = await RunAsync(get, Create<GetVideoFunction>().RunAsync(get.Request, id, CancellationToken.None));
        Assert.Equal(["queued", "cancelled", "queued"], job.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task UploadFunction_AnswersProblemJson_ForAnUnsupportedMediaType()
    {
        var upload = Request("POST", "/api/videos", "hello"u8.ToArray(), "text/plain");

        var (status, context, body) = await RunAsync(upload, Create<UploadVideoFunction>().RunAsync(upload.Request, CancellationToken.None));

        Assert.Equal(415, status);
        Assert.StartsWith("application/problem+json", context.Response.ContentType);
        Assert.Equal(415, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task HealthFunction_ReportsStorageAndFfmpeg()
    {
        var health = Request("GET", "/api/health");

        var (status, _, body) = await RunAsync(health, Create<HealthFunction>().RunAsync(health.Request, CancellationToken.None));

        Assert.Equal(200, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("storage").GetProperty("queues").GetString());
        Assert.Matches(@"^\d+\.\d+", body.GetProperty("ffmpeg").GetString());
    }
    [Fact]
    public async Task TheSweeperFunction_RunsTheSweep()
    {
        // A job stored without its message ten minutes ago: overdue for the sweeper.
        await using var services = fixture.CreateServices(new Dictionary<string, string?> { ["Jobs:RedeliverAfter"] = "00:00:01" });
        var jobs = services.GetRequiredService<Offload.Jobs.JobStore>();
        var job = TestJobs.New(Offload.Jobs.JobId.New(), Offload.Email.EmailJob.Kind, TestCallers.Owner.OwnerId, jobs.Now - TimeSpan.FromMinutes(10));
        await jobs.CreateAsync(job, "Accepted.", CancellationToken.None);
        var function = ActivatorUtilities.CreateInstance<Offload.Functions.Jobs.SweepJobsFunction>(services);

        await function.RunAsync(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);

        // The first look notes the job; the row is indexed and seen.
        var index = services.GetRequiredService<Offload.Jobs.ActiveJobs>();
        var seen = new List<Offload.Jobs.ActiveJob>();
        await foreach (var row in index.ListAsync(CancellationToken.None))
            seen.Add(row);
        Assert.Contains(seen, r => r.JobId == job.Id && r.Seen == job.ETag.ToString());
    }
}
