using System.Security.Claims;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Http;
using Offload.Access;
using Offload.Http;
using Offload.Jobs;
using Offload.Messaging;

namespace Offload.Dashboard;

/// <summary>
/// The queues as an operator sees them (admin scope): each one's depth and the age of its oldest message, its poison
/// queue, and the dead letters kept for people (<see cref="DeadLetters"/>), which can be sent on again or deleted, one
/// at a time or all together.
/// </summary>
public sealed class QueuesApi(QueueServiceClient queues, DeadLetters deadLetters, JobStore jobs, RetryJobHandler retry, TimeProvider clock)
{
    /// <summary>How many dead letters a page shows, and how far a count goes.</summary>
    public const int MaxListed = 100;
    public const int CountCap = 1000;

    /// <summary>Every queue whose messages can die: the work queues and the watchdog's.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. WorkQueues.Names, QueueNames.Watchdog];

    /// <summary>GET /api/queues → each queue's depth, oldest message, poison queue and dead letters.</summary>
    public Task<IResult> ListAsync(CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () => ApiResults.Ok(await ReadAsync(cancellationToken)));

    public async Task<QueueList> ReadAsync(CancellationToken cancellationToken) =>
        new(await Task.WhenAll(Names.Select(name => ViewOfAsync(name, cancellationToken))));

    private async Task<QueueView> ViewOfAsync(string name, CancellationToken cancellationToken)
    {
        var (depth, oldest) = await DepthAsync(queues.GetQueueClient(name), cancellationToken);
        var (poison, _) = await DepthAsync(queues.GetQueueClient(QueueNames.PoisonOf(name)), cancellationToken);
        var dead = await deadLetters.CountAsync(name, CountCap, cancellationToken);
        return new QueueView(name, depth, oldest is { } at ? Math.Max(0, (clock.GetUtcNow() - at).TotalSeconds) : null, poison, dead,
            DashboardRoutes.DeadLettersPath(name));
    }

    private static async Task<(int Depth, DateTimeOffset? Oldest)> DepthAsync(QueueClient queue, CancellationToken cancellationToken)
    {
        if (!await queue.ExistsAsync(cancellationToken))
            return (0, null);
        var properties = await queue.GetPropertiesAsync(cancellationToken);
        var peeked = await queue.PeekMessagesAsync(1, cancellationToken);
        return (properties.Value.ApproximateMessagesCount, peeked.Value.FirstOrDefault()?.InsertedOn);
    }

    /// <summary>GET /api/queues/{name}/dead-letters → the newest <see cref="MaxListed"/>, with their bodies and what became of their jobs.</summary>
    public Task<IResult> ListDeadLettersAsync(string name, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            if (UnknownQueue(name) is { } unknown)
                return unknown;
            var letters = await deadLetters.ListAsync(name, MaxListed, cancellationToken);
            return ApiResults.Ok(new DeadLetterList(name, [.. letters.Select(DeadLetterView.From)], await deadLetters.CountAsync(name, CountCap, cancellationToken)));
        });

    /// <summary>
    /// POST /api/queues/{name}/dead-letters/{id}/requeue → 202: its job sent through again (a failed or cancelled job,
    /// as a retry; a job still queued, its message again), and the dead letter gone; 409 when there is nothing to send
    /// (an unreadable body, no such job, a job that succeeded or has a message of its own).
    /// </summary>
    public Task<IResult> RequeueAsync(ClaimsPrincipal user, string name, string id, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            if (UnknownQueue(name) is { } unknown)
                return unknown;
            if (await deadLetters.GetAsync(name, id, cancellationToken) is not { } letter)
                return NoSuchLetter(name, id);
            var (result, problem) = await RequeueAsync(Caller.From(user), letter, cancellationToken);
            return problem ?? Results.Accepted(result!.StatusUrl, result);
        });

    /// <summary>DELETE /api/queues/{name}/dead-letters/{id} → 204.</summary>
    public Task<IResult> DeleteAsync(string name, string id, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            if (UnknownQueue(name) is { } unknown)
                return unknown;
            if (await deadLetters.GetAsync(name, id, cancellationToken) is not { } letter)
                return NoSuchLetter(name, id);
            await deadLetters.DeleteAsync(letter, cancellationToken);
            return Results.NoContent();
        });

    /// <summary>POST /api/queues/{name}/dead-letters/requeue → each one sent on that can be (up to <see cref="MaxListed"/>), and why the others were not.</summary>
    public Task<IResult> RequeueAllAsync(ClaimsPrincipal user, string name, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            if (UnknownQueue(name) is { } unknown)
                return unknown;
            var (requeued, kept) = (0, new List<DeadLetterNotSent>());
            foreach (var letter in await deadLetters.ListAsync(name, MaxListed, cancellationToken))
            {
                var (_, problem) = await RequeueAsync(Caller.From(user), letter, cancellationToken);
                if (problem is null)
                    requeued++;
                else
                    kept.Add(new DeadLetterNotSent(letter.Id, letter.JobId, WhyNot(letter, problem)));
            }

            return ApiResults.Ok(new RequeuedAll(name, requeued, kept));
        });

    /// <summary>DELETE /api/queues/{name}/dead-letters → how many went (up to <see cref="CountCap"/> a call).</summary>
    public Task<IResult> DeleteAllAsync(string name, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            if (UnknownQueue(name) is { } unknown)
                return unknown;
            var deleted = 0;
            foreach (var letter in await deadLetters.ListAsync(name, CountCap, cancellationToken))
                deleted += await deadLetters.DeleteAsync(letter, cancellationToken) ? 1 : 0;
            return ApiResults.Ok(new DeletedAll(name, deleted));
        });

    private async Task<(RequeuedLetter? Result, IResult? Problem)> RequeueAsync(Caller caller, DeadLetter letter, CancellationToken cancellationToken)
    {
        if (letter.Queue == QueueNames.Watchdog)
            return (null, Conflict("A watchdog check is not sent again: the job's own message brings it back. Delete it."));
        if (letter.JobId is not { } jobId || !JobMessage.TryParse(letter.Body, out _, out _))
            return (null, Conflict("Its body cannot be read as a job's message, so there is nothing to send. Delete it."));
        if (await jobs.GetAsync(jobId, cancellationToken) is not { } job)
            return (null, Conflict($"Its job {jobId} does not exist (any more). Delete it."));
        var result = await retry.HandleAsync(caller, jobId, job.Kind, cancellationToken);
        switch (result)
        {
            case RetryJobResult.Queued { Job: var queued }:
                await deadLetters.DeleteAsync(letter, cancellationToken);
                return (new RequeuedLetter(letter.Id, queued.Id, queued.Status, DashboardRoutes.JobPath(queued.Id)), null);
            case RetryJobResult.RetryLimitReached limit:
                return (null, Conflict($"Its job has been sent through again {limit.Retries} times, as often as Jobs__MaxRetries allows."));
            case RetryJobResult.OverQuota over:
                return (null, ApiResults.OverQuota(over.Refusal));
            case RetryJobResult.NotRetryable notRetryable:
                return (null, Conflict(notRetryable.Status == JobStatus.Succeeded
                    ? "Its job has succeeded since: there is nothing to send. Delete it."
                    : $"Its job is {notRetryable.Status}: it has a message of its own."));
            default:
                return (null, Conflict($"Its job {jobId} does not exist (any more). Delete it."));
        }
    }

    private static string WhyNot(DeadLetter letter, IResult problem) =>
        problem is IValueHttpResult { Value: Microsoft.AspNetCore.Mvc.ProblemDetails details } ? details.Title ?? "" : $"Not sent: {letter.Outcome}";

    private static IResult Conflict(string title) => ApiResults.Problem(StatusCodes.Status409Conflict, title);

    /// <summary>404 naming the queues there are, for a name that is none of them; <c>null</c> for one that is.</summary>
    private static IResult? UnknownQueue(string name) => Names.Contains(name) ? null : ApiResults.Problem(StatusCodes.Status404NotFound,
        $"There is no queue '{name}'.", $"The queues are: {string.Join(", ", Names)}.");

    private static IResult NoSuchLetter(string name, string id) => ApiResults.NotFound($"Queue '{name}' has no dead letter '{id}'.");
}

public sealed record QueueList(IReadOnlyList<QueueView> Queues);

/// <summary>
/// One queue: how many messages wait (Azure's approximate count, invisible ones included), how old the oldest visible
/// one is, how many are on its poison queue now (its listener drains it), and how many dead letters are kept.
/// </summary>
public sealed record QueueView(string Name, int Depth, double? OldestAgeSeconds, int Poison, int DeadLetters, string DeadLettersUrl);

public sealed record DeadLetterList(string Queue, IReadOnlyList<DeadLetterView> DeadLetters, int Count);

public sealed record DeadLetterView(
    string Id, string Body, bool Truncated, DateTimeOffset DiedAt, DateTimeOffset? PoisonedAt, string? JobId, string? JobUrl, string Outcome)
{
    public static DeadLetterView From(DeadLetter letter) => new(
        letter.Id, letter.Body, letter.Truncated, letter.DiedAt, letter.PoisonedAt, letter.JobId,
        letter.JobId is { } id && Jobs.JobId.IsValid(id) ? DashboardRoutes.JobPath(id) : null, letter.Outcome);
}

public sealed record RequeuedLetter(string Id, string JobId, string Status, string StatusUrl);

public sealed record RequeuedAll(string Queue, int Requeued, IReadOnlyList<DeadLetterNotSent> NotSent);

public sealed record DeadLetterNotSent(string Id, string? JobId, string Why);

public sealed record DeletedAll(string Queue, int Deleted);
