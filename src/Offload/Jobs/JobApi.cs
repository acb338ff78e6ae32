using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Offload.Access;
using Offload.Http;

namespace Offload.Jobs;

/// <summary>The HTTP side of what every kind of job shares, written once for both hosts and both kinds.</summary>
public sealed class JobApi(RetryJobHandler retry)
{
    /// <summary>
    /// POST /api/{videos|emails}/{id}/retry → 202 and the job, queued again; 409 when it has not failed or been
    /// cancelled, or has been sent through again Jobs__MaxRetries times.
    /// </summary>
    public Task<IResult> RetryAsync(ClaimsPrincipal user, string id, string kind, Func<string, string> statusPath, CancellationToken cancellationToken) =>
        ApiResults.WhenStorageIsDownAsync(async () =>
        {
            if (!JobId.IsValid(id))
                return ApiResults.MalformedId(id);
            return await retry.HandleAsync(Caller.From(user), id, kind, cancellationToken) switch
            {
                RetryJobResult.Queued { Job: var job } => Results.Accepted(statusPath(id), new QueuedJob(job.Id, job.Status, statusPath(id))),
                RetryJobResult.RetryLimitReached limit => ApiResults.Problem(StatusCodes.Status409Conflict,
                    "The job has been sent through again as often as allowed.",
                    $"It was retried {limit.Retries} times; Jobs__MaxRetries allows {limit.MaxRetries}. Fix the cause and submit it anew.",
                    new Dictionary<string, object?> { ["retries"] = limit.Retries, ["maxRetries"] = limit.MaxRetries, ["statusUrl"] = statusPath(id) }),
                RetryJobResult.OverQuota over => ApiResults.OverQuota(over.Refusal),
                RetryJobResult.NotRetryable notRetryable => ApiResults.Problem(StatusCodes.Status409Conflict,
                    "Only a failed or cancelled job can be sent through again.", $"The job is '{notRetryable.Status}'.",
                    new Dictionary<string, object?> { ["jobStatus"] = notRetryable.Status, ["statusUrl"] = statusPath(id) }),
                _ => ApiResults.NotFound($"There is no {kind} job '{id}'."),
            };
        });

    public sealed record QueuedJob(string Id, string Status, string StatusUrl);
}
