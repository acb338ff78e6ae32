using Offload.Jobs;

namespace Offload.IntegrationTests.Infrastructure;

/// <summary>An end listener that remembers every job it was told of (a test registers it beside the app's own).</summary>
public sealed class EndedJobs : IJobEndListener
{
    public List<Job> Jobs { get; } = [];

    public Task JobEndedAsync(Job job, CancellationToken cancellationToken)
    {
        lock (Jobs)
            Jobs.Add(job);
        return Task.CompletedTask;
    }

    /// <summary>How often the job was told of as ending in <paramref name="status"/>.</summary>
    public int Count(string id, string status)
    {
        lock (Jobs)
            return Jobs.Count(j => j.Id == id && j.Status == status);
    }
}
