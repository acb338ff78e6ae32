using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Storage;

namespace Offload.Jobs;

/// <summary>
/// How a worker waits for storage: the queue listener holds a delivered message for <see cref="HostFacts.MessageHold"/>
/// anyway, and a delivery that failed meanwhile would come back only after it. A known outcome recorded late beats
/// work done twice; the watchdog leaves a job alone while its worker may still be waiting.
/// </summary>
public sealed partial class StoragePatience(IOptions<HostFacts> host, ILogger<StoragePatience> logger)
{
    public TimeSpan Limit => host.Value.MessageHold;

    /// <summary>Runs a storage step again while storage is unavailable, for up to <see cref="Limit"/> (or <paramref name="patience"/>).</summary>
    public Task<T> RunAsync<T>(Func<Task<T>> step, CancellationToken cancellationToken, TimeSpan? patience = null) =>
        StorageFaults.RetryWhileUnavailableAsync(step, patience ?? Limit, ex => LogWaitingForStorage(logger, ex.Message), cancellationToken);

    public Task RunAsync(Func<Task> step, CancellationToken cancellationToken, TimeSpan? patience = null) =>
        StorageFaults.RetryWhileUnavailableAsync(step, patience ?? Limit, ex => LogWaitingForStorage(logger, ex.Message), cancellationToken);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Storage is unavailable; trying again in a second: {Reason}")]
    private static partial void LogWaitingForStorage(ILogger logger, string reason);
}
