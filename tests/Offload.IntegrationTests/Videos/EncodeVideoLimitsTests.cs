using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;
using Offload.Testing;
using Offload.Videos;

namespace Offload.IntegrationTests.Videos;

/// <summary>
/// Encode bombs against the encode worker: real Azurite, real ffmpeg, messages delivered by hand. A source over a
/// limit fails the job at once, on its first attempt, with a reason that names the limit; nothing is retried.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class EncodeVideoLimitsTests(StorageFixture fixture)
{
    private static Task EncodeAsync(IServiceProvider services, string jobId) =>
        services.GetRequiredService<JobRunner>().HandleAsync(new JobDelivery(QueueNames.HeavyCompute, JobMessage.For(jobId).ToJson(), 1), CancellationToken.None);

    private ServiceProvider WithEncoding(string setting, string value) =>
        fixture.CreateServices(new Dictionary<string, string?> { [$"Encoding:{setting}"] = value });

    /// <summary>Encodes with <paramref name="services"/> and returns the job, which must have failed on attempt 1 and stayed failed.</summary>
    private async Task<Job> FailedAtOnceAsync(IServiceProvider services, Job job)
    {
        await EncodeAsync(services, job.Id);

        var failed = await fixture.JobAsync(job.Id);
        Assert.True(failed.Status == JobStatus.Failed, $"{failed.Status}: {failed.Error}");
        Assert.Equal(1, failed.Attempts);
        Assert.Null(failed.NextAttemptAt); // permanent: no retry was scheduled
        var history = await fixture.Jobs.GetHistoryAsync(job.Id, CancellationToken.None);
        Assert.Equal([JobStatus.Queued, JobStatus.Processing, JobStatus.Failed], history.Select(e => e.Status));
        Assert.Equal(failed.Error, history[^1].Reason);
        Assert.Empty(await fixture.OutputsOfAsync(job.Id));
        Assert.Empty(Directory.EnumerateDirectories(fixture.WorkingDirectory, $"{job.Id}-*"));
        return failed;
    }

    private bool FfmpegEncoded(string jobId) =>
        fixture.Logs.Entries.Any(e => e.EventId.Id == 2103 && e.Scopes.Contains($"Job {jobId}"));

    private bool LoggedOverLimit(string jobId) =>
        fixture.Logs.Entries.Any(e => e.EventId.Id == 2105 && e.Scopes.Contains($"Job {jobId}"));

    [Fact]
    public async Task Encode_FailsAtOnce_WhenSourceIsLongerThanMaxDuration()
    {
        await using var services = WithEncoding(nameof(EncodingOptions.MaxDuration), "00:00:02");
        var job = await fixture.UploadAsync(Clip.Silent);

        var failed = await FailedAtOnceAsync(services, job);

        Assert.Equal("The video is 0:00:03 long; the limit is 0:00:02 (Encoding:MaxDuration).", failed.Error);
        Assert.True(LoggedOverLimit(job.Id));
        Assert.False(FfmpegEncoded(job.Id));
    }

    [Fact]
    public async Task Encode_FailsAtOnce_WhenFramesHaveMorePixelsThanMaxPixels()
    {
        await using var services = WithEncoding(nameof(EncodingOptions.MaxPixels), $"{320 * 240 - 1}");
        var job = await fixture.UploadAsync(Clip.Silent);

        var failed = await FailedAtOnceAsync(services, job);

        Assert.Equal("The video's frames are 320x240 (76,800 pixels); the limit is 76,799 pixels (Encoding:MaxPixels).", failed.Error);
        Assert.False(FfmpegEncoded(job.Id));
    }

    [Fact]
    public async Task Encode_FailsAtOnce_WhenFrameRateIsAboveMaxFrameRate()
    {
        await using var services = WithEncoding(nameof(EncodingOptions.MaxFrameRate), "30");
        var job = await fixture.UploadAsync(Clip.HighFrameRate);

        var failed = await FailedAtOnceAsync(services, job);

        Assert.Equal("The video runs at 60 frames per second; the limit is 30 (Encoding:MaxFrameRate).", failed.Error);
        Assert.False(FfmpegEncoded(job.Id));
    }

    [Fact]
    public async Task Encode_FailsAtOnce_WhenSourceDoesNotSayHowLongItIs()
    {
        var job = await fixture.UploadAsync(Clip.NoStatedLength);

        var failed = await FailedAtOnceAsync(fixture.Services, job);

        Assert.Equal("The video does not say how long it is, so it cannot be checked against the limit of 2:00:00 (Encoding:MaxDuration).", failed.Error);
        Assert.False(FfmpegEncoded(job.Id));
    }

    [Fact]
    public async Task Encode_StopsAtTheStatedLengthAndFails_WhenSourceRunsLongerThanItsHeaderSays()
    {
        var job = await fixture.UploadAsync(Clip.UnderstatedLength); // states 2 s, holds 20 s

        var failed = await FailedAtOnceAsync(fixture.Services, job);

        // ffmpeg was told to stop 2 s past the stated end: 4 s of the 20 were encoded.
        Assert.Equal("The video runs longer than the 0:00:02 it states; encoding stopped at 0:00:04.", failed.Error);
    }

    [Fact]
    public async Task Encode_FailsWithoutRetry_WhenOutputReachesMaxOutputBytes()
    {
        const long Cap = 1024 * 1024;
        await using var services = WithEncoding(nameof(EncodingOptions.MaxOutputBytes), $"{Cap}");
        var job = await fixture.UploadAsync(Clip.Long); // 12 s of 720p: about 4 MB encoded

        var failed = await FailedAtOnceAsync(services, job);

        Assert.Matches(@"^The encoded video reached the output limit of 1 MB \(Encoding:MaxOutputBytes\) after 0:00:0\d of 0:00:12\.$", failed.Error);
        Assert.True(LoggedOverLimit(job.Id));
    }

    public static TheoryData<string, string> PlaylistsNamingAWebAddress() => new()
    {
        // HLS is found by its content, whatever the upload is called.
        { "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nhttp://127.0.0.1:{port}/segment0.ts\n#EXT-X-ENDLIST\n", "The upload is a playlist that refers to a http address" },
        // ffconcat too; its demuxer refuses the address itself (safe mode), before any protocol is asked.
        { "ffconcat version 1.0\nfile 'http://127.0.0.1:{port}/part1.mp4'\n", "The upload is not a video" },
    };

    [Theory]
    [MemberData(nameof(PlaylistsNamingAWebAddress))]
    public async Task Encode_DoesNotFetchWhatAPlaylistPointsAt_AndFailsWithAReason(string playlist, string reason)
    {
        // Something that would answer, on loopback: any connection to it would be the worker fetching for an attacker.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var job = await fixture.UploadAsync(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(playlist.Replace("{port}", $"{port}", StringComparison.Ordinal))));

        var failed = await FailedAtOnceAsync(fixture.Services, job);

        Assert.StartsWith(reason, failed.Error);
        Assert.False(listener.Pending(), "ffmpeg connected to the address the playlist named"); // ffprobe has exited: a connect would be queued here
    }

    [Fact]
    public async Task Encode_RunsFfprobeAndFfmpegOnLocalFilesOnly()
    {
        // Stand-ins that write down how they were called, then run the real tools.
        var folder = Directory.CreateTempSubdirectory("offload-recording-ffmpeg").FullName;
        var calls = Path.Combine(folder, "calls.txt");
        foreach (var tool in new[] { "ffmpeg", "ffprobe" })
        {
            var script = Path.Combine(folder, tool);
            await File.WriteAllTextAsync(script, $"#!/bin/sh\necho \"{tool} $*\" >> '{calls}'\nexec /usr/bin/{tool} \"$@\"\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await using var recording = fixture.CreateServices(new Dictionary<string, string?> { ["Encoding:FfmpegFolder"] = folder });
        var job = await fixture.UploadAsync(Clip.Silent);

        await EncodeAsync(recording, job.Id);

        Assert.Equal(JobStatus.Succeeded, (await fixture.JobAsync(job.Id)).Status);
        var work = (await File.ReadAllLinesAsync(calls)).Where(l => l.Contains(job.Id, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, work.Count(l => l.StartsWith("ffprobe ", StringComparison.Ordinal))); // the source, then the output
        // the encode, the pictures from the output's keyframes, the sprite from the tiles
        Assert.Equal(3, work.Count(l => l.StartsWith("ffmpeg ", StringComparison.Ordinal)));
        Assert.All(work, l => Assert.Contains("-protocol_whitelist file", l));
        Directory.Delete(folder, recursive: true);
    }
}
