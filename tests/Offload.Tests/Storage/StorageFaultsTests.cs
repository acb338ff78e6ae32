using Azure;
using Offload.Storage;

namespace Offload.Tests.Storage;

public class StorageFaultsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public void IsUnavailable_ForOutagesAndServerErrors(int status) =>
        Assert.True(StorageFaults.IsUnavailable(new RequestFailedException(status, "down")));

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(412)]
    public void IsNotUnavailable_ForClientErrors(int status) =>
        Assert.False(StorageFaults.IsUnavailable(new RequestFailedException(status, "no")));

    [Fact]
    public void IsUnavailable_WhenTheSdkGaveUpRetrying() =>
        Assert.True(StorageFaults.IsUnavailable(new AggregateException(
            new RequestFailedException("Connection refused", new HttpRequestException("refused")),
            new RequestFailedException(503, "busy"))));

    [Fact]
    public void IsNotUnavailable_ForOtherExceptions()
    {
        Assert.False(StorageFaults.IsUnavailable(new InvalidOperationException()));
        Assert.False(StorageFaults.IsUnavailable(new AggregateException(new RequestFailedException(403, "no"))));
    }
}
