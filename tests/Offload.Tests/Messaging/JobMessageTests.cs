using System.Diagnostics;
using Offload.Messaging;

namespace Offload.Tests.Messaging;

public class JobMessageTests
{
    private const string Id = "0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3";

    [Fact]
    public void ToJson_CarriesOnlyTheVersionAndTheId() =>
        Assert.Equal($$"""{"v":1,"jobId":"{{Id}}"}""", JobMessage.For(Id).ToJson());

    [Fact]
    public void ToJson_CarriesTheSendersTraceContext_AndTryParseReadsItBack()
    {
        using var sender = new Activity("send").SetIdFormat(ActivityIdFormat.W3C).Start();
        sender.TraceStateString = "offload=1";

        var json = JobMessage.For(Id).WithTraceContext(sender).ToJson();

        Assert.Equal($$"""{"v":1,"jobId":"{{Id}}","traceparent":"{{sender.Id}}","tracestate":"offload=1"}""", json);
        Assert.True(JobMessage.TryParse(json, out var message, out _));
        Assert.Equal((sender.TraceId, sender.SpanId, true), (message.TraceContext?.TraceId, message.TraceContext?.SpanId, message.TraceContext?.IsRemote));
        Assert.Equal("offload=1", message.TraceContext?.TraceState);
    }

    [Fact]
    public void AMessageFromBeforeTraceContext_ParsesWithNone() =>
        Assert.True(JobMessage.TryParse($$"""{"v":1,"jobId":"{{Id}}"}""", out var message, out _) && message.TraceContext is null);

    [Fact]
    public void AnInvalidTraceparent_IsIgnored_NotPoison()
    {
        Assert.True(JobMessage.TryParse($$"""{"v":1,"jobId":"{{Id}}","traceparent":"not-a-traceparent"}""", out var message, out _));
        Assert.Null(message.TraceContext);
    }

    [Fact]
    public void WithoutASpan_OrWithAHierarchicalOne_NoTraceContextIsWritten()
    {
        using var hierarchical = new Activity("old").SetIdFormat(ActivityIdFormat.Hierarchical).Start();

        Assert.Equal(JobMessage.For(Id).ToJson(), JobMessage.For(Id).WithTraceContext(hierarchical).ToJson());
        Assert.Equal(JobMessage.For(Id).ToJson(), JobMessage.For(Id).WithTraceContext(null).ToJson());
    }

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
