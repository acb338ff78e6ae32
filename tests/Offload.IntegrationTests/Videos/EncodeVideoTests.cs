using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;
using Offload.Testing;
using Offload.Videos;
using Offload.Videos.Pictures;

namespace Offload.IntegrationTests.Videos;

/// <summary>The encode worker against real Azurite and the real ffmpeg, messages delivered by hand.</summary>
[Collection(StorageCollection.Name)]
public sealed class EncodeVideoTests(StorageFixture fixture)
{
    private static JobDelivery Delivery(string jobId, long dequeueCount = 1) =>
        new(QueueNames.HeavyCompute, JobMessage.For(jobId).ToJson(), dequeueCount);

    private Task EncodeAsync(string jobId, IServiceProvider? services = null, long dequeueCount = 1) =>
        (services ?? fixture.Services).GetRequiredService<JobRunner>().HandleAsync(Delivery(jobId, dequeueCount), CancellationToken.None);

    private async Task<MediaFacts> DownloadOutputAsync(string id)
    {
        var path = Path.Combine(fixture.WorkingDirectory, $"check-{id}.mp4");
        Directory.CreateDirectory(fixture.WorkingDirectory);
        await fixture.Blobs.GetBlobContainerClient(StorageNames.OutputsContainer).GetBlobClient((await fixture.JobAsync(id)).VideoOutput().BlobName).DownloadToAsync(path);
        return await Ffmpeg.ProbeAsync(path);
    }

    [Theory]
    [InlineData(Clip.WithAudio, 320, 240, true)]
    [InlineData(Clip.Silent, 320, 240, false)]
    [InlineData(Clip.OddSize, 320, 240, false)]
    [InlineData(Clip.Portrait, 240, 428, true)]
    [InlineData(Clip.Rotated, 240, 320, false)]
    [InlineData(Clip.HighFrameRate, 320, 240, false)]
    [InlineData(Clip.Large, 1920, 1080, false)]
    public async Task Encode_ProducesWebPlayableMp4(Clip clip, int width, int height, bool audio)
    {
        var job = await fixture.UploadAsync(clip);

        await EncodeAsync(job.Id);

        var done = await fixture.JobAsync(job.Id);
        Assert.True(done.Status == JobStatus.Succeeded, $"{done.Status}: {done.Error}");
        Assert.Equal(100, done.Progress);
        Assert.Equal(1, done.Attempts);
        var output = await DownloadOutputAsync(job.Id);
        Assert.Equal("h264", output.VideoCodec);
        Assert.Equal("yuv420p", output.PixelFormat);
        Assert.Equal((width, height), (output.Width, output.Height));
        Assert.Equal(0, output.Rotation);
        Assert.Equal(audio ? "aac" : null, output.AudioCodec);
        Assert.True(output.MoovBeforeMdat, "moov must come before mdat (+faststart)");
        Assert.InRange(output.DurationSeconds, TestClips.SourceDurationSeconds(clip) - 0.5, TestClips.SourceDurationSeconds(clip) + 0.5);
        Assert.Equal((width, height, "h264", audio ? "aac" : null), (done.VideoOutput().Width, done.VideoOutput().Height, done.VideoOutput().VideoCodec, done.VideoOutput().AudioCodec));
        if (clip == Clip.HighFrameRate)
            Assert.InRange(output.FrameRate, 59.9, 60.1);
        await AssertPicturesAsync(done, output);
    }

    [Fact]
    public async Task Poster_IsNotBlack_WhenTheVideoStartsBlack()
    {
        var job = await fixture.UploadAsync(Clip.DarkStart);

        await EncodeAsync(job.Id);

        var done = await fixture.JobAsync(job.Id);
        Assert.True(done.Status == JobStatus.Succeeded, $"{done.Status}: {done.Error}");
        var poster = await DownloadAsync(done.VideoOutput().Pictures!.Poster.BlobName);
        Assert.InRange(await Ffmpeg.MeanLumaAsync(poster), PicturePlan.PosterMinLuma, 255);
        // The first thumbnail, at the keyframe of a quarter of the way in (2 s), is in the black: the poster was chosen, not taken there.
        Assert.InRange(await Ffmpeg.MeanLumaAsync(await DownloadAsync(done.VideoOutput().Pictures!.Thumbnails[0].BlobName)), 0, 20);
    }

    [Fact]
    public async Task Pictures_AreTheFirstFrame_WhenTheVideoTrackEndsLongBeforeTheAudio()
    {
        var job = await fixture.UploadAsync(Clip.ShortVideoTrack); // 1 s of video, 12 s of audio

        await EncodeAsync(job.Id);

        var done = await fixture.JobAsync(job.Id);
        Assert.True(done.Status == JobStatus.Succeeded, $"{done.Status}: {done.Error}");
        var pictures = done.VideoOutput().Pictures!;
        Assert.Equal(("mjpeg", 320, 240), await Ffmpeg.ProbeImageAsync(await DownloadAsync(pictures.Poster.BlobName)));
        var thumbnail = Assert.Single(pictures.Thumbnails);
        Assert.Equal((0.0, 320), (thumbnail.AtSeconds, (await Ffmpeg.ProbeImageAsync(await DownloadAsync(thumbnail.BlobName))).Width));
        Assert.Equal(1, pictures.Storyboard.Tiles);
    }

    /// <summary>
    /// The poster at the output's size, three thumbnails at most 320 wide at a quarter, a half and three quarters, and a
    /// storyboard whose sprite holds its tiles and whose WebVTT covers the video from 0 to its end.
    /// </summary>
    private async Task AssertPicturesAsync(Job done, MediaFacts output)
    {
        var pictures = done.VideoOutput().Pictures;
        Assert.NotNull(pictures);
        Assert.Equal(("mjpeg", output.Width, output.Height), await Ffmpeg.ProbeImageAsync(await DownloadAsync(pictures.Poster.BlobName)));
        Assert.Equal((output.Width, output.Height), (pictures.Poster.Width, pictures.Poster.Height));

        var plan = new PicturePlan(TimeSpan.FromSeconds(output.DurationSeconds));
        Assert.Equal(plan.ThumbnailTimes.Select(t => t.TotalSeconds), pictures.Thumbnails.Select(t => t.AtSeconds!.Value));
        foreach (var thumbnail in pictures.Thumbnails)
        {
            var facts = await Ffmpeg.ProbeImageAsync(await DownloadAsync(thumbnail.BlobName));
            Assert.Equal((Math.Min(PicturePlan.ThumbnailWidth, output.Width), facts.Width), (facts.Width, thumbnail.Width));
            Assert.InRange(facts.Height, facts.Width * output.Height / output.Width - 2, facts.Width * output.Height / output.Width + 2);
        }

        var storyboard = pictures.Storyboard;
        var sprite = await Ffmpeg.ProbeImageAsync(await DownloadAsync(storyboard.BlobName));
        var (columns, rows) = PicturePlan.Grid(storyboard.Tiles);
        Assert.Equal((columns * storyboard.TileWidth, rows * storyboard.TileHeight), (sprite.Width, sprite.Height));
        Assert.Equal(PicturePlan.TileWidth, storyboard.TileWidth);
        Assert.Equal((int)Math.Ceiling(output.DurationSeconds / storyboard.IntervalSeconds - 0.05), storyboard.Tiles, 1.0);
        var vtt = storyboard.Vtt("sprite.jpg");
        Assert.StartsWith("WEBVTT", vtt);
        Assert.Contains("00:00:00.000 --> ", vtt);
        Assert.Equal(output.DurationSeconds, storyboard.DurationSeconds, 0.1);
        Assert.EndsWith($" --> {TimeSpan.FromSeconds(storyboard.DurationSeconds):hh\\:mm\\:ss\\.fff}\nsprite.jpg#xywh={(storyboard.Tiles - 1) % columns * storyboard.TileWidth},{(storyboard.Tiles - 1) / columns * storyboard.TileHeight},{storyboard.TileWidth},{storyboard.TileHeight}\n", vtt);
    }

    private async Task<string> DownloadAsync(string blobName)
    {
        var path = Path.Combine(fixture.WorkingDirectory, "check-" + blobName.Replace('/', '-'));
        Directory.CreateDirectory(fixture.WorkingDirectory);
        await fixture.Blobs.GetBlobContainerClient(StorageNames.OutputsContainer).GetBlobClient(blobName).DownloadToAsync(path);
        return path;
    }

    [Fact]
    public async Task Encode_WorksWithTheDebianFfmpegThePackageShipsForAzure()
    {
        var package = Directory.CreateTempSubdirectory("offload-package").FullName;
        await Command.RunAsync("bash", Path.Combine(Repo.Root, "eng", "bundle-ffmpeg.sh"), Path.Combine(package, BundledFfmpeg.FolderName));
        await using var azureLike = fixture.CreateServices(new Dictionary<string, string?>
        {
            ["Encoding:FfmpegFolder"] = BundledFfmpeg.Prepare(package, Path.Combine(fixture.WorkingDirectory, "bundled")),
        });
        var job = await fixture.UploadAsync(Clip.WithAudio);

        await EncodeAsync(job.Id, azureLike);

        var done = await fixture.JobAsync(job.Id);
        Assert.True(done.Status == JobStatus.Succeeded, $"{done.Status}: {done.Error}");
        var output = await DownloadOutputAsync(job.Id);
        Assert.Equal(("h264", "yuv420p", "aac", true), (output.VideoCodec, output.PixelFormat, output.AudioCodec, output.MoovBeforeMdat));
        Directory.Delete(package, recursive: true);
        Directory.Delete(Path.Combine(fixture.WorkingDirectory, "bundled"), recursive: true); // ~240 MB
    }

    [Fact]
    public async Task Encode_RecordsEveryMoveInTheJobsHistory_WithTimeAndReason()
    {
        var job = await fixture.UploadAsync(Clip.WithAudio);

        await EncodeAsync(job.Id);

        var history = await fixture.Jobs.GetHistoryAsync(job.Id, CancellationToken.None);
        Assert.Equal([JobStatus.Queued, JobStatus.Processing, JobStatus.Succeeded], history.Select(e => e.Status));
        Assert.Equal([0, 1, 1], history.Select(e => e.Attempt));
        Assert.StartsWith("Accepted: ", history[0].Reason);
        Assert.Equal("Attempt 1 started.", history[1].Reason);
        Assert.StartsWith("Encoded: 320x240 h264/aac", history[2].Reason);
        Assert.True(history.Zip(history.Skip(1)).All(p => p.First.At <= p.Second.At), "events are in order");
        Assert.Equal((await fixture.JobAsync(job.Id)).CompletedAt, history[2].At);
    }

    [Fact]
    public async Task Encode_MarksJobFailed_WhenSourceIsNotVideo()
    {
        var job = await fixture.UploadAsync(new MemoryStream(RandomBytes(256 * 1024)));

        await EncodeAsync(job.Id); // returns normally: nothing to retry

        var failed = await fixture.JobAsync(job.Id);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains("not a video", failed.Error);
        Assert.Equal(1, failed.Attempts);
        Assert.NotNull(failed.CompletedAt);
    }

    [Fact]
    public async Task Encode_DoesNothing_WhenTheJobHasAlreadySucceeded()
    {
        var job = await fixture.UploadAsync(Clip.Silent);
        await EncodeAsync(job.Id);
        var first = await fixture.JobAsync(job.Id);

        await EncodeAsync(job.Id, dequeueCount: 2);

        var second = await fixture.JobAsync(job.Id);
        Assert.Equal(JobStatus.Succeeded, second.Status);
        Assert.Equal(first.ETag, second.ETag);
        Assert.Equal(1, second.Attempts);
    }

    [Fact]
    public async Task Output_IsTheBlobTheJobNames_AndAJobFromBeforePerRunNamesKeepsItsOldName()
    {
        var job = await fixture.UploadAsync(Clip.Silent);
        await EncodeAsync(job.Id);
        var done = await fixture.JobAsync(job.Id);
        var output = fixture.Services.GetRequiredService<GetVideoOutputHandler>();

        var link = Assert.IsType<GetVideoOutputResult.Ready>(await output.HandleAsync(TestCallers.Owner, job.Id, CancellationToken.None));
        Assert.StartsWith($"{job.Id}/", done.VideoOutput().BlobName, StringComparison.Ordinal);
        Assert.Contains($"/{StorageNames.OutputsContainer}/{done.VideoOutput().BlobName}?", link.DownloadUrl.ToString(), StringComparison.Ordinal);

        // A row written before outputs were named per run: its result names no blob, the video is at outputs/{id}.mp4.
        var before = done.Copy();
        before.Result = Offload.Jobs.JobPayload.Serialize(done.VideoOutput() with { BlobName = null });
        await fixture.Tables.GetTableClient(StorageNames.JobsTable).UpdateEntityAsync(before, done.ETag, Azure.Data.Tables.TableUpdateMode.Replace);
        var old = Assert.IsType<GetVideoOutputResult.Ready>(await output.HandleAsync(TestCallers.Owner, job.Id, CancellationToken.None));
        Assert.Null((await fixture.JobAsync(job.Id)).VideoOutput().BlobName);
        Assert.Contains($"/{StorageNames.OutputsContainer}/{StorageNames.LegacyOutputBlobName(job.Id)}?", old.DownloadUrl.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Encode_TwoDeliveriesAtOnce_EndWithOneSucceededJobAndOneOutput()
    {
        var job = await fixture.UploadAsync(Clip.WithAudio);

        await Task.WhenAll(EncodeAsync(job.Id), EncodeAsync(job.Id));

        var done = await fixture.JobAsync(job.Id);
        Assert.Equal(JobStatus.Succeeded, done.Status);
        // the winner's own output and pictures; the loser never uploaded, or deleted its uploads
        string[] winners = [done.VideoOutput().BlobName!, .. done.VideoOutput().Pictures!.Files.Select(f => f.BlobName)];
        Assert.Equal(winners.Order(StringComparer.Ordinal), (await fixture.OutputsOfAsync(job.Id)).Order(StringComparer.Ordinal));
        Assert.Equal("h264", (await DownloadOutputAsync(job.Id)).VideoCodec);
    }

    [Fact]
    public async Task Encode_ShowsProcessingAndProgressWhileItRuns()
    {
        var job = await fixture.UploadAsync(Clip.Long);
        var seen = new ConcurrentBag<Job>();
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                seen.Add(await fixture.JobAsync(job.Id));
                await Task.Delay(50);
            }
        });

        await EncodeAsync(job.Id);
        await stop.CancelAsync();
        await watcher;

        var processing = seen.Where(j => j.Status == JobStatus.Processing).ToList();
        Assert.NotEmpty(processing);
        Assert.All(processing, j => Assert.NotNull(j.StartedAt));
        Assert.Contains(processing, j => j.Progress is > 0 and < 100);
        Assert.Equal((JobStatus.Succeeded, 100), ((await fixture.JobAsync(job.Id)).Status, (await fixture.JobAsync(job.Id)).Progress));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"v":99,"jobId":"0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3"}""")]
    [InlineData("""{"v":1,"jobId":"0193a0b1c2d3e4f5a6b7c8d9e0ffffff"}""")] // well formed, no such job
    public async Task Encode_MovesMessagesItCanNeverHandleToThePoisonQueue(string body)
    {
        var runner = fixture.Services.GetRequiredService<JobRunner>();
        await fixture.ClearQueuesAsync();

        await runner.HandleAsync(new JobDelivery(QueueNames.HeavyCompute, body, 1), CancellationToken.None);

        var poison = fixture.Queues.GetQueueClient(QueueNames.PoisonOf(QueueNames.HeavyCompute));
        var bodies = new List<string>();
        foreach (var message in (await poison.PeekMessagesAsync(32)).Value)
            bodies.Add(message.Body.ToString());
        Assert.Contains(body, bodies);
    }

    [Fact]
    public async Task Encode_RetriesTransientFfmpegFailuresWithBackoff_ThenFailsWithTheReason()
    {
        // An ffmpeg that answers -version but crashes on every input, beside the real ffprobe: a fault on a valid video.
        var folder = Directory.CreateTempSubdirectory("offload-broken-ffmpeg").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "ffmpeg"),
            "#!/bin/sh\n[ \"$1\" = -version ] && exec /usr/bin/ffmpeg -version\necho 'simulated crash' >&2\nexit 139\n");
        File.SetUnixFileMode(Path.Combine(folder, "ffmpeg"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(Path.Combine(folder, "ffprobe"), "/usr/bin/ffprobe");
        await using var broken = fixture.CreateServices(new Dictionary<string, string?>
        {
            ["Encoding:FfmpegFolder"] = folder,
            ["Encoding:MaxAttempts"] = "3",
            ["Encoding:RetryBaseDelay"] = "00:00:02",
        });
        await fixture.ClearQueuesAsync();
        var job = await fixture.UploadAsync(Clip.Silent);
        var queue = fixture.Queues.GetQueueClient(QueueNames.HeavyCompute);
        async Task<int> VisibleMessagesAsync() =>
            (await queue.PeekMessagesAsync(32)).Value.Count(m => m.Body.ToString().Contains(job.Id, StringComparison.Ordinal));

        await EncodeAsync(job.Id, broken, 1); // completes: the retry is a new message, invisible for the backoff

        var first = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Retrying, 1), (first.Status, first.Attempts));
        Assert.Contains("ffmpeg exited with code 139", first.Error);
        Assert.InRange((first.NextAttemptAt!.Value - first.UpdatedAt).TotalSeconds, 1.6 - 0.1, 2.4 + 0.1);
        Assert.Equal(1, await VisibleMessagesAsync()); // the upload's own message; the retry is still invisible
        for (var deadline = DateTime.UtcNow.AddSeconds(10); await VisibleMessagesAsync() < 2; await Task.Delay(200))
            Assert.True(DateTime.UtcNow < deadline, "the retry never became visible");

        await EncodeAsync(job.Id, broken, 1);
        var second = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Retrying, 2), (second.Status, second.Attempts));
        Assert.InRange((second.NextAttemptAt!.Value - second.UpdatedAt).TotalSeconds, 3.2 - 0.1, 4.8 + 0.1); // doubled

        await EncodeAsync(job.Id, broken, 1); // a delivery before the backoff has passed waits for it, and does nothing now
        Assert.Equal((JobStatus.Retrying, 2), ((await fixture.JobAsync(job.Id)).Status, (await fixture.JobAsync(job.Id)).Attempts));

        await Task.Delay(second.NextAttemptAt!.Value - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(100));
        await EncodeAsync(job.Id, broken, 1); // the last attempt fails the job
        var failed = await fixture.JobAsync(job.Id);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.StartsWith("Gave up after 3 attempts: ffmpeg exited with code 139", failed.Error);
        var history = await fixture.Jobs.GetHistoryAsync(job.Id, CancellationToken.None);
        Assert.Equal(
            [JobStatus.Queued, JobStatus.Processing, JobStatus.Retrying, JobStatus.Processing, JobStatus.Retrying, JobStatus.Processing, JobStatus.Failed],
            history.Select(e => e.Status));
        Assert.StartsWith("Attempt 1 failed: ffmpeg exited with code 139", history[2].Reason);
        Assert.Contains("Next attempt in ", history[2].Reason);
        Assert.Equal(failed.Error, history[^1].Reason);
    }

    [Fact]
    public async Task Encode_FailsTheJob_WhenEarlierWorkersDiedEveryTime()
    {
        var job = await fixture.UploadAsync(Clip.Silent);
        // Three deliveries that claimed the job and never came back (the process was killed each time).
        var current = job;
        for (var i = 0; i < 3; i++)
            current = (await fixture.Jobs.TryMoveAsync(current, JobStatus.Processing, "a worker that will die", j => j.Attempts++, CancellationToken.None))!;

        await EncodeAsync(job.Id, dequeueCount: 4);

        var failed = await fixture.JobAsync(job.Id);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains("never finished", failed.Error);
    }

    [Fact]
    public async Task Encode_DeletesItsWorkFiles_InEveryCase()
    {
        var good = await fixture.UploadAsync(Clip.Silent);
        var bad = await fixture.UploadAsync(new MemoryStream(RandomBytes(4096)));

        await EncodeAsync(good.Id);
        await EncodeAsync(bad.Id);

        Assert.Empty(Directory.EnumerateDirectories(fixture.WorkingDirectory, $"{good.Id}-*"));
        Assert.Empty(Directory.EnumerateDirectories(fixture.WorkingDirectory, $"{bad.Id}-*"));
    }

    [Fact]
    public async Task Upload_StoresTheSourceWritesAQueuedJobAndEnqueuesOnlyItsId()
    {
        var bytes = RandomBytes(5 * 1024 * 1024 + 17); // more than one 4 MiB block
        await fixture.ClearQueuesAsync();
        var job = await fixture.UploadAsync(new MemoryStream(bytes), "video/quicktime", "../holiday.mov");

        var stored = await fixture.JobAsync(job.Id);
        Assert.Equal(JobStatus.Queued, stored.Status);
        var source = stored.PayloadAs<VideoPayload>()!;
        Assert.Equal((long)bytes.Length, source.SizeBytes);
        Assert.Equal("video/quicktime", source.ContentType);
        Assert.Equal("holiday.mov", source.FileName);
        var blob = fixture.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(job.Id);
        Assert.Equal(bytes, (await blob.DownloadContentAsync()).Value.Content.ToArray());

        var queue = fixture.Queues.GetQueueClient(QueueNames.HeavyCompute);
        var bodies = (await queue.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).ToList();
        Assert.Contains($$"""{"v":1,"jobId":"{{job.Id}}"}""", bodies);
    }

    [Fact]
    public async Task Encode_LogsWithTheJobIdInScope()
    {
        var job = await fixture.UploadAsync(Clip.Silent);

        await EncodeAsync(job.Id);

        var lines = fixture.Logs.Entries.Where(e => e.Category == typeof(EncodeVideoHandler).FullName && e.Scopes.Contains($"Job {job.Id}")).ToList();
        Assert.Contains(lines, e => e.EventId.Id == 2101);
        Assert.Contains(lines, e => e.EventId.Id == 2103);
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}
