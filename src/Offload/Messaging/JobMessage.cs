using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Offload.Messaging;

/// <summary>
/// What travels on a queue: a job id in a small versioned envelope, never the job itself
/// (the row in Table Storage is the single source of truth). Example: <c>{"v":1,"jobId":"0193..."}</c>.
/// A watchdog re-check also carries <see cref="Seen"/>: the ETag the job's row had at the previous look.
/// </summary>
public sealed record JobMessage(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("seen"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Seen = null)
{
    public const int CurrentVersion = 1;

    public static JobMessage For(string jobId, string? seen = null) => new(CurrentVersion, jobId, seen);

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
