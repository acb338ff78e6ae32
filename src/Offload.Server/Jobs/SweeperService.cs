using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Storage;

namespace Offload.Server.Jobs;

/// <summary>
/// Runs the sweeper (<see cref="JobSweeper"/>) every <see cref="JobOptions.SweepInterval"/> in every server process;
/// the sweep lease lets one of them sweep at a time. The Functions app runs the same handler from a timer trigger.
/// </summary>
public sealed partial class SweeperService(JobSweeper sweeper, IOptions<JobOptions> options, ILogger<SweeperService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await sweeper.SweepIfLeaderAsync(stoppingToken);
                }
                catch (Exception ex) when (StorageFaults.IsUnavailable(ex))
                {
                    LogStorageUnavailable(logger, ex.Message); // the next tick tries again
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The safety net must never take the host down with it: log, and sweep again at the next tick.
                    LogSweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    [LoggerMessage(EventId = 5011, Level = LogLevel.Error, Message = "The sweep failed on an unexpected error; it runs again at the next tick")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "The sweep could not run: storage is unavailable ({Reason}); it runs again at the next tick")]
    private static partial void LogStorageUnavailable(ILogger logger, string reason);
}
