using System.ComponentModel.DataAnnotations;

namespace Offload.Jobs;

/// <summary>
/// How workers hold the jobs they run (section <c>Jobs</c>, e.g. <c>Jobs__LeaseDuration</c>). A running job carries a
/// lease its worker renews every <see cref="HeartbeatInterval"/>; the same heartbeat writes progress and notices a
/// cancellation. When a worker dies its lease runs out, and the watchdog hands the job to another worker. Also how
/// often a person may send a job through again (<c>Jobs__MaxRetries</c>).
/// </summary>
public sealed class JobOptions : IValidatableObject
{
    public const string SectionName = "Jobs";

    /// <summary>How often a running job's lease and progress are written (and a cancellation is noticed).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a running job stays with its worker without a heartbeat: about how long a dead worker's job waits.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a run lasts before it asks the watchdog to watch it (half a lease): jobs that end sooner cost no watchdog
    /// message; should their worker die, the sweeper brings them back instead.
    /// </summary>
    public TimeSpan WatchAfter => LeaseDuration / 2;

    /// <summary>How often the sweeper looks for unfinished jobs whose message was lost (one instance sweeps at a time).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long past the moment a worker should have picked it up (queued, its retry due) a job waits before the
    /// sweeper sends its message again. A running job whose lease ended is overdue a heartbeat later, as the watchdog
    /// would see it (<see cref="JobSweeper.DueAt"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RedeliverAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a finished job (succeeded, failed, cancelled), its history and its files are kept after it ended;
    /// then they are deleted and its URLs answer 404.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How often a person may send one job through again (POST …/retry). Each retry is a fresh set of attempts: a job
    /// that keeps failing for the same reason is not fixed by the hundredth, and past this the API answers 409.
    /// </summary>
    [Range(0, 100)]
    public int MaxRetries { get; set; } = 5;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LeaseDuration < 3 * HeartbeatInterval)
        {
            yield return new ValidationResult(
                $"Jobs:LeaseDuration ({LeaseDuration}) must be at least three heartbeats (Jobs:HeartbeatInterval {HeartbeatInterval}).",
                [nameof(LeaseDuration)]);
        }
    }
}
