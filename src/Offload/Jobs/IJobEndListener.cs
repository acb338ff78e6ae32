namespace Offload.Jobs;

/// <summary>
/// Told when a job has ended (succeeded, failed or cancelled): after each delivery that finds its job final, after a
/// dead message fails its job, after a cancel. It may be told more than once for one job (a message can arrive
/// twice), so what it does must be once-only by itself, such as an email whose id comes from the job and its outcome.
/// </summary>
public interface IJobEndListener
{
    Task JobEndedAsync(Job job, CancellationToken cancellationToken);
}

/// <summary>Tells every registered <see cref="IJobEndListener"/>.</summary>
public sealed class JobEndListeners(IEnumerable<IJobEndListener> listeners)
{
    public async Task NotifyAsync(Job job, CancellationToken cancellationToken)
    {
        if (!job.IsFinal)
            return;
        foreach (var listener in listeners)
            await listener.JobEndedAsync(job, cancellationToken);
    }
}
