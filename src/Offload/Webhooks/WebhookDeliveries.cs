using System.Text.Json;
using Azure.Data.Tables;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Webhooks;

/// <summary>A delivery as <c>GET /api/webhooks/{id}/deliveries</c> shows it: its event, its state, and every attempt with what the endpoint answered.</summary>
public sealed record WebhookDeliveryView(
    string Id, string EventId, string EventType, string Status, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt,
    DateTimeOffset? NextAttemptAt, string? Error, IReadOnlyList<WebhookAttemptView> Attempts);

/// <summary>One attempt: when it ended, the endpoint's HTTP status (or <c>timeout</c>, <c>unreachable</c>, <c>refused</c>), and in words.</summary>
public sealed record WebhookAttemptView(int Attempt, DateTimeOffset At, string? StatusCode, string Outcome);

/// <summary>
/// Queues deliveries (one job of kind <see cref="WebhookDelivery.Kind"/> per event and endpoint, once only by its id)
/// and lists an endpoint's deliveries, newest first, from an index (table <c>webhookdeliveries</c>, partition =
/// endpoint id, row = the event's time reversed + the delivery id). A delivery's attempts are its job's history.
/// </summary>
public sealed class WebhookDeliveries(TableServiceClient tables, JobStore jobs, JobQueue queue)
{
    private readonly TableClient _index = tables.GetTableClient(StorageNames.WebhookDeliveriesTable);

    /// <summary>How many deliveries a listing shows.</summary>
    public const int ListLimit = 50;

    public async Task<Job> QueueAsync(
        string owner, string endpointId, string eventId, string eventType, DateTimeOffset createdAt, JsonElement data, CancellationToken cancellationToken)
    {
        var id = WebhookDelivery.DeliveryIdOf(eventId, endpointId);
        // In the index first (the same row however often this runs): a stored delivery is always listed.
        await _index.UpsertEntityAsync(new TableEntity(endpointId, $"{DateTimeOffset.MaxValue.UtcTicks - createdAt.UtcTicks:D19}-{id}")
        {
            ["DeliveryId"] = id,
            ["EventId"] = eventId,
            ["EventType"] = eventType,
        }, TableUpdateMode.Replace, cancellationToken);
        var job = Job.New(id, WebhookDelivery.Kind, owner, jobs.Now, new WebhookDeliveryPayload(endpointId, eventId, eventType, createdAt, data));
        return (await queue.SubmitAsync(job, $"Accepted: {eventType} for endpoint {endpointId}.", cancellationToken)).Job;
    }

    public async Task<IReadOnlyList<WebhookDeliveryView>> ListAsync(string endpointId, CancellationToken cancellationToken)
    {
        var views = new List<WebhookDeliveryView>();
        await foreach (var row in _index.QueryAsync<TableEntity>(e => e.PartitionKey == endpointId, maxPerPage: ListLimit, cancellationToken: cancellationToken))
        {
            if (await jobs.GetAsync(row.GetString("DeliveryId"), cancellationToken) is not { } job)
            {
                // Expired with its job (Jobs__Retention): the index row goes too. A young one may be a delivery being
                // queued this moment (its row comes first), and stays.
                if (row.Timestamp < jobs.Now - TimeSpan.FromHours(1))
                    await _index.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken);
                continue;
            }

            views.Add(await ViewOfAsync(job, row.GetString("EventId"), row.GetString("EventType"), cancellationToken));
            if (views.Count == ListLimit)
                break;
        }

        return views;
    }

    /// <summary>
    /// The deliveries of the events <paramref name="job"/> has had, to the endpoints its owner has now: each end it
    /// reached (<paramref name="history"/>: one per run) is an event whose id, and so each delivery's, follows from the
    /// job (<see cref="WebhookDelivery.DeliveryIdOf"/>), so they are read by id, not searched for.
    /// </summary>
    public async Task<IReadOnlyList<(WebhookEndpoint Endpoint, WebhookDeliveryView Delivery)>> OfJobAsync(
        Job job, IReadOnlyList<JobEvent> history, IReadOnlyList<WebhookEndpoint> endpoints, Func<string, string?> eventTypeOf, CancellationToken cancellationToken)
    {
        var found = new List<(WebhookEndpoint, WebhookDeliveryView)>();
        var (run, ended) = (0, false);
        foreach (var entry in history)
        {
            if (entry.Status == JobStatus.Queued && ended)
                (run, ended) = (run + 1, false); // sent through again: its next end is another event
            if (!JobStatus.IsFinal(entry.Status))
                continue;
            ended = true;
            if (eventTypeOf(entry.Status) is not { } eventType)
                continue;
            var eventId = WebhookDelivery.EventIdOf(job.Id, entry.Status, run);
            foreach (var endpoint in endpoints)
            {
                if (await jobs.GetAsync(WebhookDelivery.DeliveryIdOf(eventId, endpoint.Id), cancellationToken) is { } delivery)
                    found.Add((endpoint, await ViewOfAsync(delivery, eventId, eventType, cancellationToken)));
            }
        }

        return found;
    }

    private async Task<WebhookDeliveryView> ViewOfAsync(Job job, string eventId, string eventType, CancellationToken cancellationToken)
    {
        var history = await jobs.GetHistoryAsync(job.Id, cancellationToken);
        var attempts = history
            .Where(e => e.Attempt > 0 && e.Status is JobStatus.Retrying or JobStatus.Failed or JobStatus.Succeeded)
            .Select(e => new WebhookAttemptView(e.Attempt, e.At, e.Code, e.Reason))
            .ToList();
        return new WebhookDeliveryView(job.Id, eventId, eventType, job.Status, job.CreatedAt,
            job.CompletedAt, job.Status == JobStatus.Retrying ? job.NextAttemptAt : null, job.Error, attempts);
    }
}
