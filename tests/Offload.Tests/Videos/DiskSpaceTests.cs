using Offload.Videos;

namespace Offload.Tests.Videos;

public class DiskSpaceTests
{
    private const long MiB = 1024L * 1024;
    private const long GiB = 1024 * MiB;

    private static MediaInfo Video(TimeSpan duration, int width, int height, double frameRate, string? audio = null) =>
        new(duration, width, height, "h264", "yuv420p", audio, frameRate);

    [Fact]
    public void EstimateOutputBytes_IsTheDurationAtTheBitrateBoundOfTheOutputFrame()
    {
        // 1080p30 for ten minutes: 1920 x 1080 x 30 x 0.25 bit = 15.55 Mbit/s, for 600 s = 1,166,400,000 bytes.
        var estimate = DiskSpace.EstimateOutputBytes(Video(TimeSpan.FromMinutes(10), 1920, 1080, 30), new EncodingOptions());

        Assert.Equal(1_166_400_000, estimate);
    }

    [Fact]
    public void EstimateOutputBytes_UsesTheScaledDownFrame_NotTheSourceFrame()
    {
        var options = new EncodingOptions { MaxHeight = 1080 };

        var fourK = DiskSpace.EstimateOutputBytes(Video(TimeSpan.FromMinutes(10), 3840, 2160, 30), options);

        Assert.Equal(DiskSpace.EstimateOutputBytes(Video(TimeSpan.FromMinutes(10), 1920, 1080, 30), options), fourK);
    }

    [Fact]
    public void EstimateOutputBytes_AddsTheAudioBitrate_WhenThereIsAudio()
    {
        var options = new EncodingOptions { AudioBitrateKbps = 128 };
        var silent = DiskSpace.EstimateOutputBytes(Video(TimeSpan.FromSeconds(100), 640, 360, 25), options);

        var withAudio = DiskSpace.EstimateOutputBytes(Video(TimeSpan.FromSeconds(100), 640, 360, 25, "aac"), options);

        Assert.Equal(100 * 128_000 / 8, withAudio - silent);
    }

    [Fact]
    public void EstimateOutputBytes_IsCappedByMaxOutputBytes()
    {
        var options = new EncodingOptions { MaxOutputBytes = 2 * GiB };

        Assert.Equal(2 * GiB, DiskSpace.EstimateOutputBytes(Video(TimeSpan.FromHours(2), 1920, 1080, 60), options));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(double.NaN)]
    public void EstimateOutputBytes_CountsAnUnknownFrameRateAsTheHighestAccepted(double frameRate)
    {
        var options = new EncodingOptions { MaxFrameRate = 120 };

        Assert.Equal(
            DiskSpace.EstimateOutputBytes(Video(TimeSpan.FromMinutes(1), 1280, 720, 120), options),
            DiskSpace.EstimateOutputBytes(Video(TimeSpan.FromMinutes(1), 1280, 720, frameRate), options));
    }

    [Fact]
    public void EstimateOutputBytes_DoesNotDependOnTheSourceSize_AnHourOfBlackNeedsRoomForAnHour()
    {
        // What the source's size used to stand for: 14 MB of black frames would have asked for 28 MB.
        var estimate = DiskSpace.EstimateOutputBytes(Video(TimeSpan.FromHours(1), 1920, 1080, 60), new EncodingOptions());

        Assert.True(estimate > 10 * GiB, $"{estimate} bytes");
    }

    [Fact]
    public void ShortfallForOutput_IsNull_WhenTheOutputAndTheReserveFit() =>
        Assert.Null(DiskSpace.ShortfallForOutput(4 * GiB, 4 * GiB + DiskSpace.Reserve));

    [Fact]
    public void ShortfallForOutput_SaysWhatIsNeededAndWhatIsFree()
    {
        var message = DiskSpace.ShortfallForOutput(4 * GiB, 3 * GiB);

        Assert.NotNull(message);
        Assert.Contains("4352 MB for the encoded output", message);
        Assert.Contains("3072 MB are free", message);
        Assert.Contains("Encoding__WorkingDirectory", message);
    }

    [Fact]
    public void ShortfallForSource_SaysTheDownloadDoesNotFit()
    {
        var message = DiskSpace.ShortfallForSource(4 * GiB, 1 * GiB);

        Assert.NotNull(message);
        Assert.Contains("4352 MB to download the source", message);
    }
}
