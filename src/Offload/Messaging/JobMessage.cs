using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Offload.Messaging;

/// <summary>
/// What travels on a queue: a job id in a small versioned envelope, never the job itself
/// (the row in Table Storage is the single source of truth). Example: <c>{"v":1,"jobId":"0193..."}</c>.
/// A watchdog re-check also carries <see cref="Seen"/>: the ETag the job's row had at the previous look.
/// The sender's W3C trace context rides along (<see cref="TraceParent"/>, <see cref="TraceState"/>), so the worker's
/// span continues the request's trace: <c>{"v":1,"jobId":"0193...","traceparent":"00-4bf9...-00f0...-01"}</c>.
/// Both are optional, so messages from before them (and from senders without tracing) parse as they always did.
/// </summary>
public sealed record JobMessage(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("seen"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Seen = null)
{
    public const int CurrentVersion = 1;

    /// <summary>The sender's span as a W3C <c>traceparent</c> (<c>00-{trace id}-{span id}-{flags}</c>).</summary>
    [JsonPropertyName("traceparent"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TraceParent { get; init; }

    /// <summary>The sender's W3C <c>tracestate</c>, when it has one.</summary>
    [JsonPropertyName("tracestate"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TraceState { get; init; }

    public static JobMessage For(string jobId, string? seen = null) => new(CurrentVersion, jobId, seen);

    /// <summary>This message carrying <paramref name="sender"/>'s trace context (none when it is not a W3C span).</summary>
    public JobMessage WithTraceContext(Activity? sender) => sender is { IdFormat: ActivityIdFormat.W3C }
        ? this with { TraceParent = sender.Id, TraceState = sender.TraceStateString }
        : this;

    /// <summary>The sender's span context; <c>null</c> when the message has none or it is not a valid <c>traceparent</c>.</summary>
    [JsonIgnore]
    public ActivityContext? TraceContext =>
        ActivityContext.TryParse(TraceParent, TraceState, isRemote: true, out var context) ? context : null;

    public string ToJson() => JsonSerializer.Serialize(this, JobMessageJson.Default.JobMessage);

    /// <summary>Parses a message body; on failure <paramref name="error"/> says why, in words for a log.</summary>
    public static bool TryParse(string? body, [NotNullWhen(true)] out JobMessage? message, [NotNullWhen(false)] out string? error)
    {
        message = null;
        if (string.IsNullOrWhiteSpace(body))
        {
            error = "the message is empty";
            return false;
        }

        try
        {
            message = JsonSerializer.Deserialize(body, JobMessageJson.Default.JobMessage);
        }
        catch (JsonException)
        {
            error = "the message is not a JSON job envelope";
            return false;
        }

        if (message is null || message.Version != CurrentVersion)
        {
            error = $"the message version is {message?.Version.ToString() ?? "missing"}, expected {CurrentVersion}";
            message = null;
            return false;
        }

        if (!Jobs.JobId.IsValid(message.JobId))
        {
            error = "the message has no valid job id";
            message = null;
            return false;
        }

        error = null;
        return true;
    }
}

[JsonSerializable(typeof(JobMessage))]
internal sealed partial class JobMessageJson : JsonSerializerContext;
