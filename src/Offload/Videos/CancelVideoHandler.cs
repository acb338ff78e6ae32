using Offload.Access;
using Offload.Jobs;

namespace Offload.Videos;

public abstract record CancelVideoResult
{
    public sealed record Cancelled(Job Job) : CancelVideoResult;
    public sealed record NotFound : CancelVideoResult;
    /// <summary>The job had already ended: there is nothing left to cancel.</summary>
    public sealed record AlreadyFinal(string Status) : CancelVideoResult;
}

/// <summary>
/// DELETE /api/videos/{id}: a job that has not ended is <c>cancelled</c> at once. A queued or retrying job's message
/// is ignored when it arrives (the job is final); a running encode notices at its next heartbeat and stops ffmpeg.
/// The source stays in <c>uploads/</c>, so the job can be sent through again (POST …/retry).
/// </summary>
public sealed class CancelVideoHandler(JobStore jobs, Messaging.JobQueue queue, JobEndListeners ended)
{
    public const string Reason = "Cancelled by request.";

    // Each heartbeat of a running encode changes the row, so a cancel may lose a race or two: read and try again.
    private const int Tries = 10;

    public async Task<CancelVideoResult> HandleAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        for (var i = 0; i < Tries; i++)
        {
            var job = await jobs.FindAsync(id, VideoJob.Kind, caller, cancellationToken);
            if (job is null)
                return new CancelVideoResult.NotFound();
            if (job.IsFinal)
                return new CancelVideoResult.AlreadyFinal(job.Status);

            var cancelled = await jobs.TryMoveAsync(job, JobStatus.Cancelled, Reason, j =>
            {
                j.Error = Reason;
                j.NextAttemptAt = null;
            }, cancellationToken);
            if (cancelled is not null)
            {
                // A video waiting for its parts has no worker to tell its listeners (which cancel the parts) should this
                // telling fail: its message goes first, and its delivery, finding it final, tells them again.
                if (job.Status == JobStatus.Waiting)
                    await queue.DispatchAsync(cancelled, CancellationToken.None);
                // Not cut short by the caller going away: the move is made, its listeners must hear of it. A running
                // job's worker tells them too once it stops (JobRunner), so a failure here is not the last chance.
                await ended.NotifyAsync(cancelled, CancellationToken.None);
                return new CancelVideoResult.Cancelled(cancelled);
            }
        }

        throw new InvalidOperationException($"The job changed {Tries} times while it was being cancelled.");
    }
}
