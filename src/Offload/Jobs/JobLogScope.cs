using Microsoft.Extensions.Logging;

namespace Offload.Jobs;

/// <summary>Puts the job id on every log line written while a job is handled.</summary>
public static class JobLogScope
{
    private static readonly Func<ILogger, string, IDisposable?> Scope = LoggerMessage.DefineScope<string>("Job {JobId}");

    public static IDisposable? BeginJobScope(this ILogger logger, string jobId) => Scope(logger, jobId);
}
