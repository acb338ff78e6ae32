using Microsoft.Extensions.DependencyInjection;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;
using Offload.Testing;
using Offload.Videos;
using Offload.Videos.Splitting;

namespace Offload.IntegrationTests.Videos;

/// <summary>
/// Split encodes of the sources that make cutting hard, against real Azurite and the real ffmpeg, messages delivered by
/// hand: the video splits, each part reads its range of the source by link, the stitch is checked; or the video is one
/// job, with the reason in its history. Split set low (20 s, parts of 10 s) for 40 s clips.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class SplitVideoTests(StorageFixture fixture) : IAsyncLifetime
{
    private ServiceProvider _services = null!;

    public Task InitializeAsync()
    {
        _services = fixture.CreateServices(new Dictionary<string, string?>
        {
            ["Encoding:SplitAbove"] = "00:00:20",
            ["Encoding:PartDuration"] = "00:00:10",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private Task DeliverAsync(string jobId) =>
        _services.GetRequiredService<JobRunner>().HandleAsync(new JobDelivery(QueueNames.HeavyCompute, JobMessage.For(jobId).ToJson(), 1), CancellationToken.None);

    [Theory]
    [InlineData(Clip.SplittableNtscOpenGop, 4, 1199, true, 320, 240)]   // 29.97 fps, B-frames, open GOPs, MP4 + AAC
    [InlineData(Clip.SplittableSilent, 4, 1000, false, 320, 240)]       // no audio: no audio part
    [InlineData(Clip.SplittableRotated, 4, 1199, true, 240, 320)]       // rotation metadata: every part turned upright
    public async Task ASourceThatIsHardToCut_IsSplit_StitchedWithEveryFrame_AndChecked(Clip clip, int videoParts, int frames, bool audio, int width, int height)
    {
        var job = await fixture.UploadAsync(clip, _services);

        await DeliverAsync(job.Id);
        var waiting = await fixture.JobAsync(job.Id);
        Assert.True(waiting.Status == JobStatus.Waiting, $"{waiting.Status}: {waiting.Error}");
        Assert.Equal(videoParts + (audio ? 1 : 0), waiting.PartCount);
        var parts = Enumerable.Range(0, waiting.PartCount).Select(i => JobParts.IdOf(job.Id, waiting.PartsKey!, i)).ToList();
        foreach (var part in parts)
            await DeliverAsync(part);
        await DeliverAsync(job.Id);

        var done = await fixture.JobAsync(job.Id);
        Assert.True(done.Status == JobStatus.Succeeded, $"{done.Status}: {done.Error}");
        var history = await fixture.Jobs.GetHistoryAsync(job.Id, CancellationToken.None);
        Assert.EndsWith($"Stitched from {videoParts} parts{(audio ? " and the audio" : "")}; {frames} frames, as the source.", history[^1].Reason);
        var storedParts = await Task.WhenAll(parts.Select(fixture.JobAsync));
        Assert.Equal(videoParts, storedParts.Count(p => p.Kind == VideoPartJobs.PartKind));
        Assert.Equal(audio ? 1 : 0, storedParts.Count(p => p.Kind == VideoPartJobs.AudioKind));

        var path = Path.Combine(fixture.WorkingDirectory, $"split-{job.Id}.mp4");
        Directory.CreateDirectory(fixture.WorkingDirectory);
        await fixture.Blobs.GetBlobContainerClient(StorageNames.OutputsContainer).GetBlobClient(done.VideoOutput().BlobName).DownloadToAsync(path);
        var output = await Ffmpeg.ProbeAsync(path);
        Assert.Equal((width, height, 0, audio ? "aac" : null), (output.Width, output.Height, output.Rotation, output.AudioCodec));
        Assert.True(output.MoovBeforeMdat, "moov must come before mdat (+faststart)");
        var encoder = _services.GetRequiredService<VideoEncoder>();
        Assert.Equal(frames, (await encoder.ProbePacketsAsync(path, "v", CancellationToken.None)).Count);
        Assert.Equal((width, height), (done.VideoOutput().Pictures!.Poster.Width, done.VideoOutput().Pictures!.Poster.Height));
    }

    [Theory]
    [InlineData(Clip.VariableFrameRate, "Not split: Its frame rate varies, so parts could not be joined frame-exactly.")]
    [InlineData(Clip.Long, null)] // 12 s: no longer than the 20 s above which a video is split, nothing to say
    public async Task ASourceThatIsNotSplit_IsOneJob_WithTheReasonInItsHistory(Clip clip, string? reason)
    {
        var job = await fixture.UploadAsync(clip, _services);

        await DeliverAsync(job.Id);

        var done = await fixture.JobAsync(job.Id);
        Assert.True(done.Status == JobStatus.Succeeded, $"{done.Status}: {done.Error}");
        Assert.Equal(0, done.PartCount);
        var last = (await fixture.Jobs.GetHistoryAsync(job.Id, CancellationToken.None))[^1].Reason;
        if (reason is null)
            Assert.DoesNotContain("split", last, StringComparison.OrdinalIgnoreCase);
        else
            Assert.EndsWith(reason, last);
    }
}
