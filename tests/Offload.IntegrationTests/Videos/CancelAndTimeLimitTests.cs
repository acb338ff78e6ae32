using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;
using Offload.Testing;
using Offload.Videos;

namespace Offload.IntegrationTests.Videos;

/// <summary>Stopping work: a person's cancel, and the per-job encode time limit, against Azurite and the real ffmpeg.</summary>
[Collection(StorageCollection.Name)]
public sealed class CancelAndTimeLimitTests(StorageFixture fixture)
{
    private static Task EncodeAsync(IServiceProvider services, string jobId) =>
        services.GetRequiredService<JobRunner>().HandleAsync(new JobDelivery(QueueNames.HeavyCompute, JobMessage.For(jobId).ToJson(), 1), CancellationToken.None);

    private Task<CancelVideoResult> CancelAsync(string jobId) =>
        fixture.Services.GetRequiredService<CancelVideoHandler>().HandleAsync(TestCallers.Owner, jobId, CancellationToken.None);

    /// <summary>An encoder that takes its time (libx264 veryslow): long enough to act on it while it runs.</summary>
    private ServiceProvider SlowEncoder(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?> { ["Encoding:Preset"] = "veryslow" };
        foreach (var (key, value) in more ?? [])
            settings[key] = value;
        return fixture.CreateServices(settings);
    }

    private static async Task<bool> OutputExistsAsync(StorageFixture fixture, string id) => (await fixture.OutputsOfAsync(id)).Count > 0;

    /// <summary>Processes whose command line names the job: ffmpeg runs on files in a folder named after it.</summary>
    private static List<int> ProcessesWorkingOn(string jobId) => Processes.WorkingOn(jobId).Select(p => p.Pid).ToList();

    [Fact]
    public async Task Cancel_EndsAQueuedJobAtOnce_AndItsMessageIsIgnoredWhenItArrives()
    {
        var job = await fixture.UploadAsync(Clip.Silent);

        var result = await CancelAsync(job.Id);

        Assert.Equal(JobStatus.Cancelled, Assert.IsType<CancelVideoResult.Cancelled>(result).Job.Status);
        await EncodeAsync(fixture.Services, job.Id); // the message arrives after the cancel
        var cancelled = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Cancelled, 0), (cancelled.Status, cancelled.Attempts));
        Assert.NotNull(cancelled.CompletedAt);
        Assert.False(await OutputExistsAsync(fixture, job.Id));
    }

    [Fact]
    public async Task Cancel_StopsARunningFfmpegWithinFiveSeconds_AndTheJobEndsCancelled()
    {
        await using var slow = SlowEncoder();
        var job = await fixture.UploadAsync(Clip.Long);
        var encode = EncodeAsync(slow, job.Id);
        for (var deadline = DateTime.UtcNow.AddSeconds(60); (await fixture.JobAsync(job.Id)).Progress == 0; await Task.Delay(100))
            Assert.True(DateTime.UtcNow < deadline && !encode.IsCompleted, "the encode never showed progress");
        Assert.NotEmpty(ProcessesWorkingOn(job.Id)); // ffmpeg is at work

        var clock = Stopwatch.StartNew();
        Assert.IsType<CancelVideoResult.Cancelled>(await CancelAsync(job.Id));
        await encode.WaitAsync(TimeSpan.FromSeconds(30));
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the encode stopped {clock.Elapsed.TotalSeconds:0.0} s after the cancel");
        Assert.Empty(ProcessesWorkingOn(job.Id));
        var cancelled = await fixture.JobAsync(job.Id);
        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        Assert.Equal(CancelVideoHandler.Reason, cancelled.Error);
        Assert.False(await OutputExistsAsync(fixture, job.Id));
        Assert.Empty(Directory.EnumerateDirectories(fixture.WorkingDirectory, $"{job.Id}-*"));
        var history = await fixture.Jobs.GetHistoryAsync(job.Id, CancellationToken.None);
        Assert.Equal([JobStatus.Queued, JobStatus.Processing, JobStatus.Cancelled], history.Select(e => e.Status));
    }

    [Fact]
    public async Task Cancel_AnswersAlreadyFinal_ForAJobThatEnded()
    {
        var job = await fixture.UploadAsync(Clip.Silent);
        await EncodeAsync(fixture.Services, job.Id);

        var result = await CancelAsync(job.Id);

        Assert.Equal(JobStatus.Succeeded, Assert.IsType<CancelVideoResult.AlreadyFinal>(result).Status);
        Assert.Equal(JobStatus.Succeeded, (await fixture.JobAsync(job.Id)).Status);
    }

    [Fact]
    public async Task Encode_OverItsTimeLimit_IsStoppedAndFailsAsTimedOut_WithoutARetry()
    {
        await using var limited = SlowEncoder(new() { ["Encoding:TimeLimit"] = "00:00:02" });
        var job = await fixture.UploadAsync(Clip.Long, limited);
        await fixture.ClearQueuesAsync(); // the upload's own message: delivered by hand below

        var clock = Stopwatch.StartNew();
        await EncodeAsync(limited, job.Id);

        Assert.InRange(clock.Elapsed.TotalSeconds, 1.5, 10);
        var failed = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Failed, 1), (failed.Status, failed.Attempts));
        Assert.Contains("timed out", failed.Error);
        Assert.Empty(ProcessesWorkingOn(job.Id));
        Assert.False(await OutputExistsAsync(fixture, job.Id));
        // No retry waits on the queue (the count includes messages still invisible for a backoff).
        Assert.Equal(0, (await fixture.Queues.GetQueueClient(QueueNames.HeavyCompute).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
