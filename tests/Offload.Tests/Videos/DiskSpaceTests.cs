using Offload.Videos;

namespace Offload.Tests.Videos;

public class DiskSpaceTests
{
    private const long GiB = 1024L * 1024 * 1024;

    [Fact]
    public void Needed_IsSourcePlusAnOutputAsLargePlusTheReserve() =>
        Assert.Equal(2 * 4 * GiB + DiskSpace.Reserve, DiskSpace.Needed(4 * GiB));

    [Fact]
    public void Shortfall_IsNull_WhenTheDiskIsLargeEnough() =>
        Assert.Null(DiskSpace.Shortfall(4 * GiB, 9 * GiB));

    [Fact]
    public void Shortfall_SaysWhatIsNeededAndWhatIsFree()
    {
        var message = DiskSpace.Shortfall(4 * GiB, 5 * GiB);

        Assert.NotNull(message);
        Assert.Contains("8448 MB", message);
        Assert.Contains("5120 MB are free", message);
        Assert.Contains("Encoding__WorkingDirectory", message);
    }
}
