using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Offload.Videos;

namespace Offload.Tests.Videos;

public class EncodingTests
{
    private static readonly MediaInfo WithAudio = new(TimeSpan.FromSeconds(10), 1920, 1080, "mpeg4", "yuv420p", "mp3", 30);
    private static readonly MediaInfo Silent = WithAudio with { AudioCodec = null };

    private static VideoEncoder Encoder(EncodingOptions? options = null) => new(Options.Create(options ?? new EncodingOptions()));

    [Fact]
    public void ScaleFilter_NeverScalesUpAndKeepsDimensionsEven() =>
        Assert.Equal(@"scale=w=-2:h=trunc(min(ih\,720)/2)*2", VideoEncoder.ScaleFilter(720));

    [Fact]
    public void BuildArguments_AsksForWebPlayableH264()
    {
        var args = Encoder(new EncodingOptions { Preset = "fast", Crf = 20 }).BuildArguments("in.avi", WithAudio, "out.mp4").Arguments;

        Assert.Contains("-c:v libx264", args);
        Assert.Contains("-preset fast", args);
        Assert.Contains("-crf 20", args);
        Assert.Contains("-pix_fmt yuv420p", args);
        Assert.Contains("-movflags +faststart", args);
        Assert.Contains("-c:a aac", args);
        Assert.Contains("-b:a 128k", args);
        Assert.Contains(VideoEncoder.ScaleFilter(1080), args);
    }

    [Fact]
    public void BuildArguments_ReadsLocalFilesOnly_StopsAtTheStatedLength_AndCapsTheOutputSize()
    {
        var args = Encoder(new EncodingOptions { MaxOutputBytes = 5_000_000 }).BuildArguments("in.avi", WithAudio, "out.mp4").Arguments;

        Assert.StartsWith("-protocol_whitelist file -i \"in.avi\"", args);
        Assert.Contains("-t 12 ", args); // 10 s stated, 2 s of slack
        Assert.Contains("-fs 5000000 ", args);
    }

    [Fact]
    public void BuildArguments_DropsAudio_WhenTheSourceHasNone()
    {
        var args = Encoder().BuildArguments("in.avi", Silent, "out.mp4").Arguments;

        Assert.Contains("-an", args);
        Assert.DoesNotContain("aac", args);
    }

    [Theory]
    [InlineData("placebo-fast", 23, 1080)]
    [InlineData("veryfast", 52, 1080)]
    [InlineData("veryfast", 23, 8)]
    public void Options_RefuseValuesFfmpegCannotUse(string preset, int crf, int maxHeight)
    {
        var options = new EncodingOptions { Preset = preset, Crf = crf, MaxHeight = maxHeight };
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }

    public static TheoryData<EncodingOptions> LimitsThatMakeNoSense() =>
    [
        new() { MaxDuration = TimeSpan.Zero },
        new() { MaxPixels = 0 },
        new() { MaxFrameRate = 0 },
        new() { MaxOutputBytes = 1000 },
    ];

    [Theory]
    [MemberData(nameof(LimitsThatMakeNoSense))]
    public void Options_RefuseLimitsThatWouldRefuseEveryVideo(EncodingOptions options) =>
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));

    [Fact]
    public void Options_DefaultsAreValid()
    {
        var options = new EncodingOptions();
        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }

    [Fact]
    public void BuildPartArguments_ReadsALinkOverHttpAlone_WithTheProbedDemuxer_AndSeeksFromTheFilesStart()
    {
        var source = EncodeInput.Link(new Uri("http://127.0.0.1:10000/devstoreaccount1/uploads/abc?sv=2024&sig=x"), "mov,mp4,m4a,3gp,3g2,mj2");
        var info = WithAudio with { StartTime = TimeSpan.FromSeconds(1.4) };
        var part = new Offload.Videos.Splitting.VideoPart(2, TimeSpan.FromSeconds(21.4), 500, 250);

        var args = Encoder().BuildPartArguments(source, info, part, "part.mp4").Arguments;

        Assert.StartsWith("-protocol_whitelist https,http,tls,tcp -f mov -ss 20.000000 -i \"http://127.0.0.1:10000/devstoreaccount1/uploads/abc?sv=2024&sig=x\"", args);
        Assert.Contains("-frames:v 250 ", args);
        Assert.Contains("-an", args);
    }

    [Theory]
    [InlineData("hls")]
    [InlineData("concat")]
    [InlineData(null)]
    public void ALink_IsNeverReadWithAPlaylistDemuxer(string? format) =>
        Assert.Throws<ArgumentException>(() => VideoEncoder.From(new EncodeInput("https://example.com/uploads/abc", format)));

    [Fact]
    public void AFile_IsStillReadAsALocalFileAlone() =>
        Assert.StartsWith("-protocol_whitelist file -i \"in.avi\"", VideoEncoder.From(EncodeInput.File("in.avi")).OutputToFile("out.mp4").Arguments);

    [Fact]
    public void FfmpegsWords_KeepNoReadLink_WhenTheyNameTheSource()
    {
        var failed = new EncodeFailedException("ffmpeg could not encode part 2 (exit code 1).",
            "http://127.0.0.1:10000/devstoreaccount1/uploads/abc?sv=2024-08-04&sr=b&sig=s3cr3t%2Bsig: Connection refused");

        Assert.DoesNotContain("s3cr3t", failed.Detail);
        Assert.StartsWith("http://127.0.0.1:10000/devstoreaccount1/uploads/abc?…", failed.Detail);
    }
}
