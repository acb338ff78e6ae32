using System.Text.Json;
using System.Text.Json.Nodes;
using Offload.Jobs;

namespace Offload.Webhooks;

/// <summary>
/// When a job ends, its kind's event (<c>video.succeeded</c>, <c>email.failed</c> …) goes to every endpoint of the
/// job's owner that asked for it: one delivery job per endpoint, its data the job as GET shows it. Told twice (a
/// message can arrive twice), it queues nothing new: the event's id and the delivery's come from the job and its end.
/// </summary>
public sealed class PublishWebhookEvents(JobKinds kinds, JobStore jobs, WebhookEndpoints endpoints, WebhookDeliveries deliveries) : IJobEndListener
{
    public async Task JobEndedAsync(Job job, CancellationToken cancellationToken)
    {
        if (job.Owner is not { } owner || kinds.Find(job.Kind) is not { } kind || kind.EventOf(job.Status) is not { } eventType)
            return;
        var subscribed = (await endpoints.ListForEventsAsync(owner, cancellationToken)).Where(e => e.EventList.Contains(eventType)).ToList();
        if (subscribed.Count == 0)
            return;

        var view = kind.ViewOf(job, await jobs.GetHistoryAsync(job.Id, cancellationToken));
        var data = Bounded(JsonSerializer.SerializeToNode(view, Http.ApiResults.Json)!.AsObject());
        var eventId = WebhookDelivery.EventIdOf(job);
        foreach (var endpoint in subscribed)
            await deliveries.QueueAsync(owner, endpoint.Id, eventId, eventType, job.CompletedAt ?? job.UpdatedAt, data, cancellationToken);
    }

    /// <summary>
    /// The most an event's data may take as JSON: it is stored in its deliveries' payload, one table property of at most
    /// 64 KiB (32 K characters), beside the envelope.
    /// </summary>
    public const int MaxDataChars = 16_000;

    /// <summary>
    /// The job as GET shows it, within <see cref="MaxDataChars"/>: a long history (many attempts, many retries) keeps its
    /// newest entries and says how many it left out (<c>eventsOmitted</c>); GET shows them all.
    /// </summary>
    internal static JsonElement Bounded(JsonObject view)
    {
        if (view["events"] is JsonArray events)
        {
            var omitted = 0;
            while (view.ToJsonString().Length > MaxDataChars && events.Count > 1)
            {
                events.RemoveAt(0);
                view["eventsOmitted"] = ++omitted;
            }
        }

        return JsonSerializer.SerializeToElement(view);
    }
}
