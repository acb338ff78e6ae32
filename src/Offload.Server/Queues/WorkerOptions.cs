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

    public IReadOnlyList<string> ServedQueues =>
        string.IsNullOrWhiteSpace(Queues) ? WorkQueues.Names
        : Queues.Trim() == "none" ? []
        : Queues.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary><see cref="Concurrency"/> when set, else the queue's own (<see cref="WorkQueues"/>, queues.json).</summary>
    public int ConcurrencyOf(string queue) => Concurrency ?? WorkQueues.Get(queue).Concurrency;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var queue in ServedQueues.Where(q => !WorkQueues.IsWorkQueue(q)))
        {
            yield return new ValidationResult(
                $"Worker:Queues names '{queue}'; the work queues are: {string.Join(", ", WorkQueues.Names)} (or 'none').", [nameof(Queues)]);
        }
    }
}
