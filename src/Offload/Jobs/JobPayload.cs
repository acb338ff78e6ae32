using System.Text.Encodings.Web;
using System.Text.Json;

namespace Offload.Jobs;

/// <summary>
/// A kind's payload type: what a job of that kind carries, stored as JSON on its row. <see cref="Version"/> goes
/// up when the shape changes in a way an older worker could misread; a worker only runs payloads of its own version.
/// </summary>
public interface IJobPayload
{
    static abstract int Version { get; }
}

/// <summary>How payloads and results are stored: camelCase JSON, absent values left out, text as written.</summary>
public static class JobPayload
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        // Stored as written (no \u escapes for '<' or non-ASCII), so its size is close to what the caller sent.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    /// <exception cref="JsonException">The text is not a <typeparamref name="T"/>.</exception>
    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Json) ?? throw new JsonException($"The stored JSON is not a {typeof(T).Name}.");
}
