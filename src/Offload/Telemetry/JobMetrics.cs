using System.Diagnostics.Metrics;
using Offload.Jobs;

namespace Offload.Telemetry;

/// <summary>
/// The job counters and histograms, fed by <see cref="JobStore.TryMoveAsync"/>: every state change passes there,
/// from either host and from the API (a cancel), so nothing is counted twice or missed by one code path.
/// Every measurement is tagged <c>kind</c> (<c>video</c>, <c>email</c>).
/// </summary>
public static class JobMetrics
{
    /// <summary>From a fraction of a second (an email) to the encode time limit (hours).</summary>
    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200],
    };

    private static readonly Counter<long> Started = Instrumentation.Meter.CreateCounter<long>(
        "offload.jobs.started", "{job}", "Attempts started: a worker claimed the job (a re-claim after a dead worker counts again)");

    private static readonly Counter<long> Succeeded = Instrumentation.Meter.CreateCounter<long>(
        "offload.jobs.succeeded", "{job}", "Jobs that succeeded");

    private static readonly Counter<long> Failed = Instrumentation.Meter.CreateCounter<long>(
        "offload.jobs.failed", "{job}", "Jobs that failed for good (a permanent fault, the last attempt, or a dead message)");

    private static readonly Counter<long> Retried = Instrumentation.Meter.CreateCounter<long>(
        "offload.jobs.retried", "{job}", "Attempts that failed and will be tried again after a backoff (or a worker that stopped mid-job)");

    private static readonly Counter<long> Cancelled = Instrumentation.Meter.CreateCounter<long>(
        "offload.jobs.cancelled", "{job}", "Jobs cancelled: by a person, or the parts of a split job that ended");

    private static readonly Histogram<double> Duration = Instrumentation.Meter.CreateHistogram(
        "offload.job.duration", "s", "How long an attempt ran, from its claim to its end; tagged with the status it ended in", advice: Seconds);

    private static readonly Histogram<double> QueueWait = Instrumentation.Meter.CreateHistogram(
        "offload.job.queue_wait", "s", "How long a job waited for a worker: from queued (or a retry's due time, or a dead worker's lease end) to the claim", advice: Seconds);

    /// <summary>Records a stored move of a job from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static void Moved(Job from, Job to)
    {
        var kind = new KeyValuePair<string, object?>("kind", to.Kind);
        switch (to.Status)
        {
            case JobStatus.Processing:
                Started.Add(1, kind);
                var waitingSince = from.Status switch
                {
                    JobStatus.Retrying => from.NextAttemptAt ?? from.UpdatedAt,
                    JobStatus.Processing => from.LeaseExpiresAt ?? from.UpdatedAt,
                    _ => from.UpdatedAt,
                };
                QueueWait.Record(NonNegativeSeconds(to.UpdatedAt - waitingSince), kind);
                break;
            case JobStatus.Succeeded:
                Succeeded.Add(1, kind);
                break;
            case JobStatus.Failed:
                Failed.Add(1, kind);
                break;
            case JobStatus.Retrying:
                Retried.Add(1, kind);
                break;
            case JobStatus.Cancelled:
                Cancelled.Add(1, kind);
                break;
        }

        if (from is { Status: JobStatus.Processing, StartedAt: { } started } && to.Status != JobStatus.Processing)
            Duration.Record(NonNegativeSeconds(to.UpdatedAt - started), kind, new KeyValuePair<string, object?>("status", to.Status));
    }

    private static double NonNegativeSeconds(TimeSpan span) => Math.Max(0, span.TotalSeconds);
}
