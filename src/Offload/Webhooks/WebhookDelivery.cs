using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Offload.Jobs;

namespace Offload.Webhooks;

/// <summary>The kind of work that delivers one event to one endpoint, on the <c>webhooks</c> queue.</summary>
public static class WebhookDelivery
{
    public const string Kind = "webhook";

    /// <summary>The event sent by <c>POST /api/webhooks/{id}/test</c>.</summary>
    public const string TestEvent = "webhook.test";

    /// <summary>
    /// The id of the event a job raised when it ended: the same however often its end is told (a message can arrive
    /// twice), a new one when a job sent through again ends again.
    /// </summary>
    public static string EventIdOf(Job job) => EventIdOf(job.Id, job.Status, job.Retries);

    /// <summary>The event of the job's end in <paramref name="status"/> in its run number <paramref name="retries"/> (0 for the first).</summary>
    public static string EventIdOf(string jobId, string status, int retries) => "evt_" + Hash($"event:{jobId}:{status}:{retries}");

    /// <summary>The delivery job of one event to one endpoint: once only, whoever queues it.</summary>
    public static string DeliveryIdOf(string eventId, string endpointId) => Hash($"delivery:{eventId}:{endpointId}");

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
}

/// <summary>What a delivery job carries: the endpoint and the event, its data the job as GET showed it when it ended.</summary>
public sealed record WebhookDeliveryPayload(string EndpointId, string EventId, string EventType, DateTimeOffset CreatedAt, JsonElement Data) : IJobPayload
{
    public static int Version => 1;

    /// <summary>The request body, the same on every attempt: <c>{"id", "type", "createdAt", "data"}</c>.</summary>
    public string Body() => JsonSerializer.Serialize(new WebhookEventBody(EventId, EventType, CreatedAt, Data), Http.ApiResults.Json);
}

/// <summary>An event as an endpoint receives it.</summary>
public sealed record WebhookEventBody(string Id, string Type, DateTimeOffset CreatedAt, JsonElement Data);

/// <summary>What a delivery that succeeded recorded.</summary>
public sealed record WebhookDeliveryResult(int StatusCode, double DurationMs);
