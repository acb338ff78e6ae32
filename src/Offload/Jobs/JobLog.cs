using Microsoft.Extensions.Logging;

namespace Offload.Jobs;

/// <summary>The log lines several parts of the job core write (the claim, the run, the dead letters), in one place.</summary>
internal static partial class JobLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Job failed: {Reason}")]
    public static partial void Failed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Attempt {Attempt} of {MaxAttempts} failed, retrying in {DelaySeconds:0.0} s: {Reason}")]
    public static partial void WillRetry(ILogger logger, int attempt, int maxAttempts, double delaySeconds, string reason, Exception exception);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Another delivery changed the job first; this one stops")]
    public static partial void LostRace(ILogger logger);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Warning, Message = "Attempt {Attempt}, the last, failed: {Reason}")]
    public static partial void LastAttemptFailed(ILogger logger, int attempt, string reason, Exception exception);
}
