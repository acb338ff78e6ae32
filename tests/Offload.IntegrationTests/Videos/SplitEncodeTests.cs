using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Offload.Testing;
using Offload.Videos;
using Offload.Videos.Splitting;
using Xunit.Abstractions;

namespace Offload.IntegrationTests.Videos;

/// <summary>
/// A split encode's ffmpeg side with the real ffmpeg (the first step of issue 12; the parts are not jobs yet): a
/// 40 s source cut into parts of about 10 s at keyframes, each encoded alone, the audio once, joined without
/// re-encoding, held to the source by <see cref="SplitEncoder.CheckAsync"/>, and compared with a single-pass encode of
/// the same source by frame count and SSIM.
/// </summary>
public sealed partial class SplitEncodeTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan PartDuration = TimeSpan.FromSeconds(10);
    private readonly string _folder = Directory.CreateTempSubdirectory("offload-split").FullName;
    private readonly VideoEncoder _encoder = new(Options.Create(new EncodingOptions()));

    [Theory]
    [InlineData(Clip.Splittable, 1000, true)]
    [InlineData(Clip.SplittableNtscOpenGop, 1199, true)] // 40 s at 30000/1001: 1198.8 frames
    [InlineData(Clip.SplittableSilent, 1000, false)]
    public async Task SplitEncode_HasTheSourcesFrames_StartsEachPartOnAKeyframe_AndMatchesASinglePass(Clip clip, int frames, bool audio)
    {
        var source = await TestClips.PathOf(clip);
        var info = (await _encoder.ProbeAsync(source, CancellationToken.None))!;
        var splitter = new SplitEncoder(_encoder);
        var sourceFrames = await splitter.ProbeFramesAsync(source, CancellationToken.None);
        Assert.InRange(sourceFrames.Count, frames - 1, frames);

        var plan = SplitPlan.Decide(sourceFrames, info.Duration, TimeSpan.FromSeconds(20), PartDuration);
        Assert.True(plan.IsSplit, plan.WhyNot);
        Assert.Equal(4, plan.Parts.Count);
        Assert.Equal(sourceFrames.Count, plan.Parts.Sum(p => p.Frames));

        var parts = new List<(VideoPart, string)>();
        foreach (var part in plan.Parts)
        {
            var path = Path.Combine(_folder, $"part-{part.Index:000}.mp4");
            await _encoder.EncodePartAsync(EncodeInput.File(source), info, part, part.Length(SourceFigures.Of(sourceFrames)), path, _ => { }, CancellationToken.None);
            parts.Add((part, path));
        }

        var sound = audio ? Path.Combine(_folder, "audio.m4a") : null;
        if (sound is not null)
            await splitter.EncodeAudioAsync(EncodeInput.File(source), 128, sound, CancellationToken.None);
        var split = Path.Combine(_folder, "split.mp4");
        await splitter.StitchAsync(parts, sound, split, CancellationToken.None);

        await splitter.CheckAsync(split, SourceFigures.Of(sourceFrames), plan.Parts, audio, CancellationToken.None); // throws with the reason

        var single = Path.Combine(_folder, "single.mp4");
        await _encoder.EncodeAsync(source, info, single, _ => { }, CancellationToken.None);
        // The single pass has the source's frames too; with audio, ffmpeg may fill the slot an AVI writer skipped
        // after the first frame with a copy (1001 for 1000), which the split, joined by frame count, does not.
        Assert.InRange((await _encoder.ProbePacketsAsync(single, "v", CancellationToken.None)).Count, sourceFrames.Count, sourceFrames.Count + (audio ? 1 : 0));
        var facts = await Ffmpeg.ProbeAsync(split);
        Assert.Equal(("h264", "yuv420p", audio ? "aac" : null, true), (facts.VideoCodec, facts.PixelFormat, facts.AudioCodec, facts.MoovBeforeMdat));
        var (ssim, perFrame) = await Ffmpeg.SsimAsync(split, single, _folder);
        // Around each cut: the five frames either side of where a part begins.
        var nearCuts = plan.Parts.Skip(1).SelectMany(p => Enumerable.Range(p.FirstFrame - 5, 10)).Where(i => i >= 0 && i < perFrame.Count).Select(i => perFrame[i]).Min();
        var report = $"[split] {clip}: {plan.Parts.Count} parts ({string.Join(", ", plan.Parts.Select(p => p.Frames))} frames), " +
                     $"{sourceFrames.Count} frames as the source, SSIM against a single pass {ssim:0.0000}, lowest within 5 frames of a cut {nearCuts:0.0000}";
        output.WriteLine(report);
        Measurements.Report(report);
        Assert.InRange(ssim, 0.99, 1);
        Assert.InRange(nearCuts, 0.98, 1);
    }

    [Fact]
    public async Task CheckAsync_FailsAJoinThatLostAPart_WithTheReason()
    {
        var source = await TestClips.PathOf(Clip.SplittableSilent);
        var info = (await _encoder.ProbeAsync(source, CancellationToken.None))!;
        var splitter = new SplitEncoder(_encoder);
        var sourceFrames = await splitter.ProbeFramesAsync(source, CancellationToken.None);
        var plan = SplitPlan.Decide(sourceFrames, info.Duration, TimeSpan.FromSeconds(20), PartDuration);
        var parts = new List<(VideoPart, string)>();
        foreach (var part in plan.Parts.Take(3)) // the last part is missing
        {
            var path = Path.Combine(_folder, $"part-{part.Index:000}.mp4");
            await _encoder.EncodePartAsync(EncodeInput.File(source), info, part, part.Length(SourceFigures.Of(sourceFrames)), path, _ => { }, CancellationToken.None);
            parts.Add((part, path));
        }

        var split = Path.Combine(_folder, "split.mp4");
        await splitter.StitchAsync(parts, null, split, CancellationToken.None);

        var failed = await Assert.ThrowsAsync<EncodeFailedException>(() => splitter.CheckAsync(split, SourceFigures.Of(sourceFrames), plan.Parts, false, CancellationToken.None));
        Assert.Equal($"The joined video has {plan.Parts.Take(3).Sum(p => p.Frames)} frames where the source has {sourceFrames.Count}.", failed.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
