using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Offload.Http;
using Offload.Jobs;
using Offload.Videos;
using Offload.Webhooks;

namespace Offload.Dashboard;

/// <summary>
/// Every job of every owner, for the people who run Offload (admin scope): the list, newest first, and any one job
/// with its history and parts. What the dashboard shows, and what an operator's curl can ask.
/// </summary>
public sealed class AllJobsApi(JobList list, JobStore jobs, JobKinds kinds, JobParts parts, JobApi jobApi, WebhookEndpoints endpoints, WebhookDeliveries deliveries)
{
    /// <summary>GET /api/jobs?status=&amp;kind=&amp;owner=&amp;since=&amp;until=&amp;parts=&amp;cursor=&amp;limit= → a page, newest first, and the next page's URL.</summary>
    public Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            var (query, error) = QueryOf(request.Query);
            if (error is not null)
                return error;
            var page = await list.ListAsync(query!, cancellationToken);
            return ApiResults.Ok(new JobListView(
                [.. page.Jobs.Select(JobSummaryView.From)],
                page.Next is { } next ? NextUrl(request, next) : null));
        });

    /// <summary>GET /api/jobs/{id} → the job of any kind and owner, with its history, its parts and its kind's own view.</summary>
    public Task<IResult> GetAsync(string id, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            if (!JobId.IsValid(id))
                return ApiResults.MalformedId(id);
            if (await jobs.GetAsync(id, cancellationToken) is not { } job)
                return ApiResults.NotFound($"There is no job '{id}'.");
            var history = await jobs.GetHistoryAsync(id, cancellationToken);
            var split = await parts.ReadAsync(job, cancellationToken);
            var kind = kinds.Find(job.Kind);
            var webhooks = job.Owner is { } owner && kind is not null
                ? await deliveries.OfJobAsync(job, history, await endpoints.ListAsync(owner, cancellationToken), kind.EventOf, cancellationToken)
                : [];
            return ApiResults.Ok(JobDetailView.From(job, history, split, kind?.ViewOf(job, history))
                with { Webhooks = [.. webhooks.Select(w => JobWebhookView.From(w.Endpoint, w.Delivery))] });
        });

    /// <summary>POST /api/jobs/{id}/retry → 202: a failed or cancelled job of any kind sent through again, as its owner's retry does.</summary>
    public Task<IResult> RetryAsync(ClaimsPrincipal user, string id, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            if (!JobId.IsValid(id))
                return ApiResults.MalformedId(id);
            if (await jobs.GetAsync(id, cancellationToken) is not { } job)
                return ApiResults.NotFound($"There is no job '{id}'.");
            if (job.ParentId is not null)
                return ApiResults.Problem(StatusCodes.Status409Conflict, "A part is sent through again with its job.",
                    $"Retry job {job.ParentId}: it splits anew.", new Dictionary<string, object?> { ["jobUrl"] = DashboardRoutes.JobPath(job.ParentId) });
            return await jobApi.RetryAsync(user, id, job.Kind, DashboardRoutes.JobPath, cancellationToken);
        });

    private (JobListQuery? Query, IResult? Error) QueryOf(IQueryCollection query)
    {
        string? One(string name) => query[name] is { Count: > 0 } values && !string.IsNullOrEmpty(values[0]) ? values[0] : null;

        var status = One("status");
        if (status is not null && !JobStatus.All.Contains(status))
            return (null, ApiResults.InvalidField("status", $"A status is one of {string.Join(", ", JobStatus.All)}."));
        var kind = One("kind");
        if (kind is not null && kinds.Find(kind) is null)
            return (null, ApiResults.InvalidField("kind", $"A kind is one of {string.Join(", ", kinds.All.Select(k => k.Name))}."));
        var (since, sinceError) = TimeOf(One("since"), "since");
        var (until, untilError) = TimeOf(One("until"), "until");
        if ((sinceError ?? untilError) is { } timeError)
            return (null, timeError);
        if (since >= until)
            return (null, ApiResults.InvalidField("until", "until must be later than since."));
        var limit = JobListQuery.DefaultLimit;
        if (One("limit") is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > JobListQuery.MaxLimit))
            return (null, ApiResults.InvalidField("limit", $"limit is a whole number from 1 to {JobListQuery.MaxLimit}."));
        var cursor = One("cursor");
        if (cursor is not null && !JobList.Cursor.IsValid(cursor))
            return (null, ApiResults.InvalidField("cursor", "That cursor is not one this list gave: take the next URL of the page before."));
        var withParts = One("parts") switch
        {
            null or "false" => false,
            "true" => true,
            _ => (bool?)null,
        };
        if (withParts is null)
            return (null, ApiResults.InvalidField("parts", "parts is true or false."));
        return (new JobListQuery(kind, status, One("owner"), since, until, withParts.Value, cursor, limit), null);
    }

    private static (DateTimeOffset? Time, IResult? Error) TimeOf(string? text, string field) =>
        text is null ? (null, null)
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && time.Year is >= 2000 and <= 9999
            ? (time, null)
        : (null, ApiResults.InvalidField(field, $"{field} is a date and time in ISO 8601 from the year 2000 on, such as 2026-12-01T08:00:00Z."));

    /// <summary>This request's URL with the next page's cursor: every other filter as it was.</summary>
    private static string NextUrl(HttpRequest request, string cursor)
    {
        var query = request.Query.Where(q => q.Key != "cursor").ToDictionary(q => q.Key, q => q.Value);
        query["cursor"] = cursor;
        return DashboardRoutes.JobsPath + Microsoft.AspNetCore.Http.QueryString.Create(query).ToUriComponent();
    }
}

public sealed record JobListView(IReadOnlyList<JobSummaryView> Jobs, string? Next);

/// <summary>A job as the list shows it; <see cref="Url"/> is its whole view (<c>GET /api/jobs/{id}</c>).</summary>
public sealed record JobSummaryView(
    string Id, string Kind, string Status, string? Owner, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? CompletedAt,
    int Attempts, string? Error, string? Worker, string? ParentId, string Url)
{
    public static JobSummaryView From(JobListing row) => new(
        row.JobId, row.Kind, row.Status, row.Owner, row.CreatedAt, row.UpdatedAt, row.CompletedAt, row.Attempts, row.Error, row.Worker,
        row.ParentId, DashboardRoutes.JobPath(row.JobId));
}

/// <summary>
/// A job of any kind as an operator sees it: what every job has, its history, its parts (a split job's), its webhook
/// deliveries, what a person can do with it now (<see cref="Actions"/>: the routes, or none), and its kind's own view
/// (a video's output and pictures).
/// </summary>
public sealed record JobDetailView(
    string Id, string Kind, string Status, int Progress, int Attempts, string? Owner, string? Worker,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, DateTimeOffset? NextAttemptAt,
    string? Error, string? ParentId, int Retries, IReadOnlyList<JobEventView> Events, IReadOnlyList<JobPartView> Parts, JobActionsView Actions,
    object? View)
{
    /// <summary>The deliveries of its events to its owner's webhook endpoints (those it has now).</summary>
    public IReadOnlyList<JobWebhookView> Webhooks { get; init; } = [];

    public static JobDetailView From(Job job, IReadOnlyList<JobEvent> history, IReadOnlyList<Job?> parts, object? view) => new(
        job.Id, job.Kind, job.Status, job.Progress, job.Attempts, job.Owner, job.Worker,
        job.CreatedAt, job.UpdatedAt, job.StartedAt, job.CompletedAt, job.Status == JobStatus.Retrying ? job.NextAttemptAt : null,
        job.Error, job.ParentId, job.Retries, [.. history.Select(JobEventView.From)],
        [.. parts.Select((part, index) => part is null
            ? new JobPartView(index, null, null, null, 0, 0, null, null, null)
            : new JobPartView(index, part.Id, part.Kind, part.Status, part.Status == JobStatus.Succeeded ? 100 : part.Progress, part.Attempts,
                part.Worker, part.Error, DashboardRoutes.JobPath(part.Id)))],
        JobActionsView.For(job), view);
}

/// <summary>A delivery of one of the job's events to one of its owner's endpoints, with every attempt.</summary>
public sealed record JobWebhookView(string EndpointId, string Url, string DeliveryId, string EventType, string Status, DateTimeOffset? CompletedAt,
    string? Error, IReadOnlyList<WebhookAttemptView> Attempts, string JobUrl)
{
    public static JobWebhookView From(WebhookEndpoint endpoint, WebhookDeliveryView delivery) => new(
        endpoint.Id, endpoint.Url, delivery.Id, delivery.EventType, delivery.Status, delivery.CompletedAt, delivery.Error, delivery.Attempts,
        DashboardRoutes.JobPath(delivery.Id));
}

/// <summary>One part of a split job; a part gone with retention shows only its place.</summary>
public sealed record JobPartView(int Index, string? Id, string? Kind, string? Status, int Progress, int Attempts, string? Worker, string? Error, string? Url);

/// <summary>What a person can do with the job now: the route of each action, <c>null</c> when it does not apply.</summary>
/// <param name="Retry">POST: a failed or cancelled job sent through again (<see cref="AllJobsApi.RetryAsync"/>).</param>
/// <param name="Cancel">DELETE: a video that has not ended, stopped (the only kind that can be).</param>
public sealed record JobActionsView(string? Retry, string? Cancel)
{
    public static JobActionsView For(Job job) => job.ParentId is not null
        ? new(null, null) // a part runs, and is sent through again, with its job
        : new(JobStatus.CanRetry(job.Status) ? DashboardRoutes.RetryPath(job.Id) : null,
            job.Kind == VideoJob.Kind && !job.IsFinal ? VideoRoutes.StatusPath(job.Id) : null);
}
