using System.ComponentModel.DataAnnotations;
using Offload.Messaging;

namespace Offload.Server.Queues;

/// <summary>
/// Which queues this process serves and how many messages of each it works on at once (section <c>Worker</c>),
/// like Celery's <c>worker -Q heavy_compute --concurrency=4</c>:
/// <c>Offload.Server --queues heavy-compute --concurrency 4</c>, or <c>Worker__Queues</c> / <c>Worker__Concurrency</c>.
/// </summary>
public sealed class WorkerOptions : IValidatableObject
{
    public const string SectionName = "Worker";

    /// <summary>Command-line switches and the settings they set.</summary>
    public static readonly Dictionary<string, string> Switches = new()
    {
        ["--queues"] = $"{SectionName}:{nameof(Queues)}",
        ["--concurrency"] = $"{SectionName}:{nameof(Concurrency)}",
    };

    /// <summary>Comma-separated queue names; empty serves every queue. "none" serves none (an API-only process).</summary>
    public string? Queues { get; set; }

    /// <summary>When set, the concurrency of every queue this process serves.</summary>
    [Range(1, 512)]
    public int? Concurrency { get; set; }

    /// <summary>Encodes at once: each takes the CPU it can get, so one per instance by default.</summary>
    [Range(1, 512)]
    public int HeavyComputeConcurrency { get; set; } = 1;

    /// <summary>Emails at once: short and I/O-bound, so many.</summary>
    [Range(1, 512)]
    public int HighPriorityConcurrency { get; set; } = 32;

    public IReadOnlyList<string> ServedQueues =>
        string.IsNullOrWhiteSpace(Queues) ? QueueNames.All
        : Queues.Trim() == "none" ? []
        : Queues.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public int ConcurrencyOf(string queue) =>
        Concurrency ?? (queue == QueueNames.HeavyCompute ? HeavyComputeConcurrency : HighPriorityConcurrency);

    /// <summary>
    /// The WebJobs listener keeps batchSize + newBatchThreshold messages in flight and fetches a new batch once at
    /// most newBatchThreshold are still running: half and half gives <paramref name="concurrency"/> at once, refilled early.
    /// </summary>
    public static (int BatchSize, int NewBatchThreshold) ListenerSettings(int concurrency)
    {
        var batchSize = Math.Clamp((concurrency + 1) / 2, 1, 32); // the queue service hands out at most 32 per call
        return (batchSize, concurrency - batchSize);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var queue in ServedQueues.Where(q => !QueueNames.All.Contains(q)))
        {
            yield return new ValidationResult(
                $"Worker:Queues names '{queue}'; the queues are: {string.Join(", ", QueueNames.All)} (or 'none').", [nameof(Queues)]);
        }
    }
}
