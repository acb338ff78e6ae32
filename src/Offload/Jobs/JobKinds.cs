using Offload.Messaging;

namespace Offload.Jobs;

/// <summary>Every kind of work this app registered, by name.</summary>
public sealed class JobKinds
{
    private readonly Dictionary<string, JobKind> _kinds;

    public JobKinds(IEnumerable<JobKind> kinds)
    {
        _kinds = new Dictionary<string, JobKind>(StringComparer.Ordinal);
        foreach (var kind in kinds)
        {
            if (!_kinds.TryAdd(kind.Name, kind))
                throw new InvalidOperationException($"The job kind '{kind.Name}' is registered twice.");
            if (!WorkQueues.IsWorkQueue(kind.Queue))
                throw new InvalidOperationException(
                    $"The job kind '{kind.Name}' names the queue '{kind.Queue}'; the work queues are: {string.Join(", ", WorkQueues.Names)}.");
        }
    }

    public IReadOnlyCollection<JobKind> All => _kinds.Values;

    public JobKind? Find(string kind) => _kinds.GetValueOrDefault(kind);

    /// <summary>The work queue of a kind.</summary>
    /// <exception cref="InvalidOperationException">No kind of that name is registered (a row of a newer version).</exception>
    public string QueueOf(string kind) =>
        Find(kind)?.Queue ?? throw new InvalidOperationException($"No kind of work '{kind}' is registered in this version.");
}
