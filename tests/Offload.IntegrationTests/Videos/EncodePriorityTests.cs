using Microsoft.Extensions.DependencyInjection;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Testing;
using Offload.Videos;

namespace Offload.IntegrationTests.Videos;

/// <summary>
/// The priority an encode's ffmpeg runs at, read from the kernel (/proc) while it runs: the idle scheduling class by
/// default, so a backlog of videos takes only the CPU nothing else wants; <c>nice</c> when that is turned off.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class EncodePriorityTests(StorageFixture fixture)
{
    private const int SchedOther = 0;
    private const int SchedIdle = 5;

    [Fact]
    public async Task Ffmpeg_RunsInTheIdleSchedulingClass_ByDefault() =>
        Assert.Equal((SchedIdle, 0), await SchedulingOfARunningEncodeAsync([]));

    [Fact]
    public async Task Ffmpeg_RunsAtItsNiceness_WhenIdleSchedulingIsOff() =>
        Assert.Equal((SchedOther, 7), await SchedulingOfARunningEncodeAsync(new() { ["Encoding:IdleScheduling"] = "false", ["Encoding:Niceness"] = "7" }));

    /// <summary>The policy and nice value of a running encode's ffmpeg, read once it shows progress; then it is cancelled.</summary>
    private async Task<(int Policy, int Nice)> SchedulingOfARunningEncodeAsync(Dictionary<string, string?> settings)
    {
        settings["Encoding:Preset"] = "veryslow"; // it runs long enough to be looked at
        await using var services = fixture.CreateServices(settings);
        var job = await fixture.UploadAsync(Clip.Long);
        var encode = services.GetRequiredService<JobRunner>().HandleAsync(
            new JobDelivery(QueueNames.HeavyCompute, JobMessage.For(job.Id).ToJson(), 1), CancellationToken.None);
        try
        {
            for (var deadline = DateTime.UtcNow.AddSeconds(60); (await fixture.JobAsync(job.Id)).Progress == 0; await Task.Delay(100))
                Assert.True(DateTime.UtcNow < deadline && !encode.IsCompleted, "the encode never showed progress");
            var ffmpeg = Assert.Single(Processes.WorkingOn(job.Id));
            return Processes.SchedulingOf(ffmpeg.Pid);
        }
        finally
        {
            await services.GetRequiredService<CancelVideoHandler>().HandleAsync(TestCallers.Owner, job.Id, CancellationToken.None);
            await encode.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
