using Microsoft.Azure.Functions.Worker;
using Offload.Jobs;

namespace Offload.Functions.Jobs;

/// <summary>
/// Every 15 seconds → <see cref="JobSweeper"/>: re-sends the message of a job whose message was lost. A timer trigger
/// runs on one instance at a time (the host holds a blob lease for it), and the sweep lease makes sure of it.
/// The server runs the same handler from its SweeperService.
/// </summary>
public sealed class SweepJobsFunction(JobSweeper sweeper)
{
    /// <summary>Every 15 seconds (six-field CRON, seconds first), the default of <c>Jobs__SweepInterval</c>.</summary>
    public const string Schedule = "*/15 * * * * *";

    [Function(nameof(SweepJobsFunction))]
    public Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        sweeper.SweepIfLeaderAsync(cancellationToken);
}
