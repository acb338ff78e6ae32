using Offload.Messaging;

namespace Offload.Tests.Messaging;

public class JobMessageTests
{
    private const string Id = "0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3";

    [Fact]
    public void ToJson_CarriesOnlyTheVersionAndTheId() =>
        Assert.Equal($$"""{"v":1,"jobId":"{{Id}}"}""", JobMessage.For(Id).ToJson());

    [Fact]
    public void TryParse_ReadsWhatToJsonWrites()
    {
        Assert.True(JobMessage.TryParse(JobMessage.For(Id).ToJson(), out var message, out _));
        Assert.Equal(Id, message.JobId);
    }

    [Fact]
    public void AWatchdogRecheck_AlsoCarriesTheETagItSaw_AndReadsBack()
    {
        const string etag = "W/\"datetime'2026-11-25T01%3A00%3A00Z'\"";

        Assert.True(JobMessage.TryParse(JobMessage.For(Id, seen: etag).ToJson(), out var message, out _));
        Assert.Equal((Id, etag), (message.JobId, message.Seen));
        Assert.True(JobMessage.TryParse(JobMessage.For(Id).ToJson(), out var plain, out _));
        Assert.Null(plain.Seen);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("hello", "not a JSON job envelope")]
    [InlineData("[1,2]", "not a JSON job envelope")]
    [InlineData("""{"v":2,"jobId":"0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3"}""", "version is 2")]
    [InlineData("""{"jobId":"0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3"}""", "version is 0")]
    [InlineData("""{"v":1}""", "no valid job id")]
    [InlineData("""{"v":1,"jobId":"../x"}""", "no valid job id")]
    public void TryParse_SaysWhyAMessageIsMalformed(string body, string expected)
    {
        Assert.False(JobMessage.TryParse(body, out var message, out var error));
        Assert.Null(message);
        Assert.Contains(expected, error);
    }
}
