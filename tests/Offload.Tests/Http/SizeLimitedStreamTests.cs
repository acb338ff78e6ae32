using Offload.Http;

namespace Offload.Tests.Http;

public class SizeLimitedStreamTests
{
    [Fact]
    public async Task ReadAsync_CountsEveryByteUpToTheLimit()
    {
        var stream = new SizeLimitedStream(new MemoryStream(new byte[1000]), maxBytes: 1000);
        await stream.CopyToAsync(Stream.Null);
        Assert.Equal(1000, stream.BytesRead);
    }

    [Fact]
    public async Task ReadAsync_ThrowsOnceTheLimitIsPassed()
    {
        var stream = new SizeLimitedStream(new MemoryStream(new byte[1001]), maxBytes: 1000);
        await Assert.ThrowsAsync<BodyTooLargeException>(() => stream.CopyToAsync(Stream.Null));
    }

    [Fact]
    public void Read_ThrowsOnceTheLimitIsPassed()
    {
        var stream = new SizeLimitedStream(new MemoryStream(new byte[20]), maxBytes: 10);
        Assert.Throws<BodyTooLargeException>(() => stream.CopyTo(Stream.Null));
    }
}
