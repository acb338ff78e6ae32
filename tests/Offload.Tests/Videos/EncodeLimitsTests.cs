using Offload.Videos;

namespace Offload.Tests.Videos;

public class EncodeLimitsTests
{
    private static readonly EncodingOptions Defaults = new();
    private static readonly MediaInfo HdMovie = new(TimeSpan.FromMinutes(90), 1920, 1080, "h264", "yuv420p", "aac", 24);

    [Fact]
    public void Check_AcceptsAnOrdinaryMovie() =>
        Assert.Null(EncodeLimits.Check(HdMovie, Defaults));

    [Fact]
    public void Check_RefusesASourceLongerThanMaxDuration_NamingTheLengthAndTheLimit()
    {
        var exceeded = EncodeLimits.Check(HdMovie with { Duration = TimeSpan.FromHours(3) }, new EncodingOptions { MaxDuration = TimeSpan.FromHours(2) });

        Assert.Equal(nameof(EncodingOptions.MaxDuration), exceeded?.Setting);
        Assert.Equal("The video is 3:00:00 long; the limit is 2:00:00 (Encoding:MaxDuration).", exceeded?.Reason);
    }

    [Fact]
    public void Check_AcceptsASourceExactlyAtTheLimits() =>
        Assert.Null(EncodeLimits.Check(
            new MediaInfo(Defaults.MaxDuration, 7680, 4320, "h264", "yuv420p", null, Defaults.MaxFrameRate), Defaults));

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Check_RefusesASourceThatDoesNotSayHowLongItIs(int seconds)
    {
        var exceeded = EncodeLimits.Check(HdMovie with { Duration = TimeSpan.FromSeconds(seconds) }, Defaults);

        Assert.Equal(nameof(EncodingOptions.MaxDuration), exceeded?.Setting);
        Assert.Contains("does not say how long it is", exceeded?.Reason);
    }

    [Fact]
    public void Check_RefusesAFrameLargerThanMaxPixels_ByItsArea()
    {
        // 16K wide and only 100 lines: taller than nothing, yet 1.6 million pixels a frame.
        var exceeded = EncodeLimits.Check(HdMovie with { Width = 16384, Height = 100 }, new EncodingOptions { MaxPixels = 1920 * 1080 / 2 });

        Assert.Equal(nameof(EncodingOptions.MaxPixels), exceeded?.Setting);
        Assert.Equal("The video's frames are 16384x100 (1,638,400 pixels); the limit is 1,036,800 pixels (Encoding:MaxPixels).", exceeded?.Reason);
    }

    [Fact]
    public void Check_RefusesAFrameRateAboveMaxFrameRate()
    {
        var exceeded = EncodeLimits.Check(HdMovie with { FrameRate = 240 }, Defaults);

        Assert.Equal(nameof(EncodingOptions.MaxFrameRate), exceeded?.Setting);
        Assert.Equal("The video runs at 240 frames per second; the limit is 120 (Encoding:MaxFrameRate).", exceeded?.Reason);
    }

    [Fact]
    public void EncodeUntil_LeavesTwoSecondsOrTwoPercent_PastTheStatedLength()
    {
        Assert.Equal(TimeSpan.FromSeconds(12), EncodeLimits.EncodeUntil(HdMovie with { Duration = TimeSpan.FromSeconds(10) }));
        Assert.Equal(TimeSpan.FromSeconds(1020), EncodeLimits.EncodeUntil(HdMovie with { Duration = TimeSpan.FromSeconds(1000) }));
    }

    [Fact]
    public void CheckOutput_AcceptsAWholeOutput() =>
        Assert.Null(EncodeLimits.CheckOutput(HdMovie, HdMovie with { Duration = HdMovie.Duration + TimeSpan.FromMilliseconds(40) }, 1_000_000, Defaults));

    [Fact]
    public void CheckOutput_SaysWhenTheOutputReachedMaxOutputBytes()
    {
        var exceeded = EncodeLimits.CheckOutput(
            HdMovie, HdMovie with { Duration = TimeSpan.FromMinutes(12) }, 1024 * 1024 * 1024 + 300, new EncodingOptions { MaxOutputBytes = 1024 * 1024 * 1024 });

        Assert.Equal(nameof(EncodingOptions.MaxOutputBytes), exceeded?.Setting);
        Assert.Equal("The encoded video reached the output limit of 1024 MB (Encoding:MaxOutputBytes) after 0:12:00 of 1:30:00.", exceeded?.Reason);
    }

    [Fact]
    public void CheckOutput_SaysWhenTheSourceRanPastTheLengthItStated()
    {
        var stated = HdMovie with { Duration = TimeSpan.FromSeconds(10) };

        var exceeded = EncodeLimits.CheckOutput(stated, stated with { Duration = EncodeLimits.EncodeUntil(stated) }, 1_000_000, Defaults);

        Assert.Equal(nameof(EncodingOptions.MaxDuration), exceeded?.Setting);
        Assert.Equal("The video runs longer than the 0:00:10 it states; encoding stopped at 0:00:12.", exceeded?.Reason);
    }

    [Fact]
    public void Clock_ShowsHoursPastADay() =>
        Assert.Equal("27:03:04", EncodeLimits.Clock(new TimeSpan(1, 3, 3, 4)));
}
