using Offload.Videos.Splitting;

namespace Offload.Tests.Videos;

public class SplitPlanTests
{
    /// <summary><paramref name="seconds"/> of frames at <paramref name="fps"/>, a keyframe every <paramref name="gop"/> frames.</summary>
    private static SourceFrames Frames(double seconds, double fps, int gop) =>
        new([.. Enumerable.Range(0, (int)Math.Round(seconds * fps)).Select(i => TimeSpan.FromSeconds(i / fps))],
            Enumerable.Range(0, (int)Math.Round(seconds * fps)).Where(i => i % gop == 0).ToHashSet());

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void ALongSource_IsCutAtTheFirstKeyframeAfterEachPartLength_AndThePartsCoverEveryFrameOnce()
    {
        var frames = Frames(600, 25, 250); // 10 min, a keyframe every 10 s

        var plan = SplitPlan.Decide(frames, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(55));

        Assert.True(plan.IsSplit);
        Assert.Null(plan.WhyNot);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => TimeSpan.FromSeconds(i * 60)), plan.Parts.Select(p => p.Start)); // 55 s -> the keyframe at 60 s
        Assert.All(plan.Parts, p => Assert.Contains(p.FirstFrame, frames.Keyframes));
        Assert.Equal(frames.Count, plan.Parts.Sum(p => p.Frames));
        Assert.Equal(plan.Parts.Select(p => p.FirstFrame).Skip(1), plan.Parts.Select(p => p.FirstFrame + p.Frames).SkipLast(1));
        Assert.Equal(Enumerable.Range(0, 10), plan.Parts.Select(p => p.Index));
    }

    [Fact]
    public void TheLastPart_IsNeverShorterThanHalfAPart()
    {
        var plan = SplitPlan.Decide(Frames(250, 25, 25), TimeSpan.FromSeconds(250), TimeSpan.FromMinutes(3), Minute);

        Assert.Equal([0, 60, 120, 180], plan.Parts.Select(p => p.Start.TotalSeconds)); // not a fifth part of 10 s
        Assert.Equal(70 * 25, plan.Parts[^1].Frames);
    }

    [Fact]
    public void AShortSource_IsOneJob_WithTheReason()
    {
        var plan = SplitPlan.Decide(Frames(120, 25, 25), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3), Minute);

        Assert.False(plan.IsSplit);
        Assert.Equal("0:02:00 is no longer than the 0:03:00 above which a video is split.", plan.WhyNot);
        Assert.Equal(3000, Assert.Single(plan.Parts).Frames);
    }

    [Fact]
    public void AVariableFrameRate_IsOneJob_WithTheReason()
    {
        var times = Enumerable.Range(0, 600 * 25).Select(i => TimeSpan.FromSeconds(i / 25.0 + (i > 5000 ? 0.02 * (i % 2) : 0))).ToList();

        var plan = SplitPlan.Decide(new SourceFrames(times, new HashSet<int> { 0, 1500, 3000 }), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(3), Minute);

        Assert.False(plan.IsSplit);
        Assert.Equal("Its frame rate varies, so parts could not be joined frame-exactly.", plan.WhyNot);
    }

    [Fact]
    public void ASourceWithOneKeyframe_IsOneJob_WithTheReason()
    {
        var plan = SplitPlan.Decide(Frames(600, 25, 1_000_000), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(3), Minute);

        Assert.False(plan.IsSplit);
        Assert.Equal("It has no keyframe to cut it at.", plan.WhyNot);
    }

    [Theory]
    [InlineData(0, "0.000000")]
    [InlineData(40.04, "40.040000")]
    [InlineData(33.366666666, "33.366666")] // rounded down: never past the keyframe
    public void ThePartsSeek_IsInWholeMicrosecondsRoundedDown(double seconds, string argument) =>
        Assert.Equal(argument, new VideoPart(0, TimeSpan.FromSeconds(seconds), 0, 1).SeekArgument(TimeSpan.Zero));
}
