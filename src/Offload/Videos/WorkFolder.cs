using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Offload.Videos;

/// <summary>
/// One run's folder for its source and output, <c>{jobId}-{guid}</c> under <see cref="EncodingOptions.ResolveWorkingDirectory"/>.
/// While the run lives it holds an exclusive lock on the folder's <see cref="LockFileName"/> (FileShare.None, an
/// advisory <c>flock</c> on Linux). The kernel drops that lock when the process dies, however it dies, so
/// <see cref="RemoveLeftovers"/> can tell a dead run's folder from a live one even when several worker processes share
/// the working directory.
/// </summary>
public sealed partial class WorkFolder : IDisposable
{
    public const string LockFileName = ".lock";

    private readonly FileStream _lock;

    private WorkFolder(string path, FileStream lockFile) => (Path, _lock) = (path, lockFile);

    public string Path { get; }

    /// <summary>Makes a new folder for a run of <paramref name="jobId"/> and takes its lock.</summary>
    public static WorkFolder Create(string root, string jobId)
    {
        var path = System.IO.Path.Combine(root, $"{jobId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return new WorkFolder(path, new FileStream(System.IO.Path.Combine(path, LockFileName), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None));
    }

    /// <summary>Deletes the folder, then lets its lock go (a folder that could not be deleted is left to the next clean-up).</summary>
    /// <exception cref="IOException">The folder, or part of it, could not be deleted; the lock is released all the same.</exception>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        finally
        {
            _lock.Dispose();
        }
    }

    /// <summary>
    /// Deletes the run folders in <paramref name="root"/> whose run is gone: those whose lock can be taken (its process
    /// died), and those without a lock file last written more than <paramref name="unlockedAfter"/> ago (left by a
    /// version before the lock; a live run takes its lock the moment it makes its folder, and no run outlives the
    /// encode time limit). Everything else in the folder (other files, the folders of live runs) is left alone.
    /// Returns the folders deleted.
    /// </summary>
    public static IReadOnlyList<string> RemoveLeftovers(string root, TimeSpan unlockedAfter, DateTimeOffset now)
    {
        var removed = new List<string>();
        if (!Directory.Exists(root))
            return removed;

        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            if (!RunFolderName().IsMatch(System.IO.Path.GetFileName(folder)))
                continue;
            try
            {
                if (TryRemove(folder, unlockedAfter, now))
                    removed.Add(folder);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Locked by a live run, or deleted by another worker's clean-up meanwhile: not ours to remove.
            }
        }

        return removed;
    }

    private static bool TryRemove(string folder, TimeSpan unlockedAfter, DateTimeOffset now)
    {
        var lockPath = System.IO.Path.Combine(folder, LockFileName);
        if (!File.Exists(lockPath))
        {
            if (now - Directory.GetLastWriteTimeUtc(folder) <= unlockedAfter)
                return false;
            Directory.Delete(folder, recursive: true);
            return true;
        }

        // Throws while a live run holds it. Held here, no other clean-up deletes the folder at the same time.
        using var taken = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        Directory.Delete(folder, recursive: true);
        return true;
    }

    // {job id: 32 hex}-{guid "N": 32 hex}
    [GeneratedRegex("^[0-9a-f]{32}-[0-9a-f]{32}$")]
    private static partial Regex RunFolderName();
}

/// <summary>
/// At start-up, removes the work folders of runs that died with their process (kill -9, out of memory, a lost
/// instance): their source and output would otherwise fill the disk, one video at a time.
/// </summary>
public sealed partial class WorkFolderCleaner(IOptions<EncodingOptions> options, TimeProvider clock, ILogger<WorkFolderCleaner> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Beside start-up, not in its way: a large folder takes a while to delete.
        _ = Task.Run(() =>
        {
            var root = options.Value.ResolveWorkingDirectory();
            try
            {
                var removed = WorkFolder.RemoveLeftovers(root, options.Value.TimeLimit, clock.GetUtcNow());
                if (removed.Count > 0)
                    LogRemoved(logger, removed.Count, root);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogFailed(logger, root, ex);
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 2123, Level = LogLevel.Information, Message = "Removed {Count} work folder(s) left in {Root} by runs that died")]
    private static partial void LogRemoved(ILogger logger, int count, string root);

    [LoggerMessage(EventId = 2124, Level = LogLevel.Warning, Message = "Could not look for leftover work folders in {Root}")]
    private static partial void LogFailed(ILogger logger, string root, Exception exception);
}
