using Offload.Videos;

namespace Offload.Tests.Videos;

/// <summary>The start-up clean-up of work folders, on a temp folder: a live run's lock is held here, in this process.</summary>
public sealed class WorkFolderTests : IDisposable
{
    private static readonly TimeSpan TimeLimit = TimeSpan.FromMinutes(90);
    private readonly string _root = Directory.CreateTempSubdirectory("offload-workfolders").FullName;
    private readonly string _jobId = Guid.NewGuid().ToString("N");

    [Fact]
    public void RemoveLeftovers_KeepsALiveRunsFolder_AndRemovesADeadRunsFolder()
    {
        using var live = WorkFolder.Create(_root, _jobId);
        File.WriteAllText(Path.Combine(live.Path, "source"), "bytes");
        // What a run killed mid-encode leaves: its folder and lock file, the lock itself gone with its process.
        var deadPath = Directory.CreateDirectory(Path.Combine(_root, $"{_jobId}-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Combine(deadPath, WorkFolder.LockFileName), "");
        File.WriteAllText(Path.Combine(deadPath, "output.mp4"), "half an encode");

        var removed = WorkFolder.RemoveLeftovers(_root, TimeLimit, DateTimeOffset.UtcNow);

        Assert.Equal([deadPath], removed);
        Assert.False(Directory.Exists(deadPath));
        Assert.True(File.Exists(Path.Combine(live.Path, "source")));
    }

    [Fact]
    public void RemoveLeftovers_LeavesAFolderWithoutALock_UntilItIsOlderThanTheTimeLimit()
    {
        var unlocked = Directory.CreateDirectory(Path.Combine(_root, $"{_jobId}-{Guid.NewGuid():N}")).FullName;

        Assert.Empty(WorkFolder.RemoveLeftovers(_root, TimeLimit, DateTimeOffset.UtcNow)); // a run between its folder and its lock
        Assert.Equal([unlocked], WorkFolder.RemoveLeftovers(_root, TimeLimit, DateTimeOffset.UtcNow + TimeLimit + TimeSpan.FromMinutes(1)));
        Assert.False(Directory.Exists(unlocked));
    }

    [Fact]
    public void RemoveLeftovers_TouchesNothingElseInTheFolder()
    {
        var other = Directory.CreateDirectory(Path.Combine(_root, "bundled")).FullName;
        var file = Path.Combine(_root, $"check-{_jobId}.mp4");
        File.WriteAllText(file, "x");

        Assert.Empty(WorkFolder.RemoveLeftovers(_root, TimeLimit, DateTimeOffset.UtcNow + TimeSpan.FromDays(30)));
        Assert.True(Directory.Exists(other) && File.Exists(file));
    }

    [Fact]
    public void Dispose_DeletesTheFolder_AndAMissingRootIsNoLeftover()
    {
        var folder = WorkFolder.Create(_root, _jobId);
        folder.Dispose();

        Assert.False(Directory.Exists(folder.Path));
        Assert.Empty(WorkFolder.RemoveLeftovers(Path.Combine(_root, "missing"), TimeLimit, DateTimeOffset.UtcNow));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
