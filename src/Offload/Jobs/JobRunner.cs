using Azure;
using Microsoft.Extensions.Logging;
using Offload.Messaging;
using Offload.Storage;
using Offload.Telemetry;

namespace Offload.Jobs;

/// <summary>One delivery of a work queue's message: its raw body and how often the queue has delivered it.</summary>
public sealed record JobDelivery(string Queue, string Message, long DequeueCount);

/// <summary>
/// What every work queue's trigger calls, in both hosts, whatever kind of job arrives: reads the message (malformed:
/// poison queue), claims the job (<see cref="JobClaim"/>), runs its kind's handler, and records how it ended. This is
/// the one error policy of every kind, like Hangfire's AutomaticRetry filter: a <see cref="PermanentJobException"/>
/// fails the job at once; a <see cref="TransientJobException"/>, a fault the kind classifies as transient, or a
/// storage outage retries it with backoff up to the kind's attempt limit; an exception nobody expected is transient
/// too, its type and message on the job and its stack trace in the log. A host that stops mid-job hands the job back
/// without using up the attempt.
/// </summary>
public sealed partial class JobRunner(
    JobClaim claims, JobQueue queue, JobStore jobs, JobParts parts, JobEndListeners ended, IServiceProvider services, ILogger<JobRunner> logger)
{
    public async Task HandleAsync(JobDelivery delivery, CancellationToken hostStopping)
    {
        if (!JobMessage.TryParse(delivery.Message, out var message, out var error))
        {
            LogMalformedMessage(logger, delivery.Queue, error);
            await queue.DeadLetterAsync(delivery.Queue, delivery.Message, hostStopping);
            return;
        }

        using var trace = JobTracing.BeginDelivery(delivery.Queue, message, logger);
        var claim = await claims.ClaimAsync(delivery.Queue, message, delivery.Message, hostStopping);
        var job = claim.Found;
        if (claim.Run is { } claimed)
        {
            await using var run = claimed;
            await RunAsync(run, delivery.DequeueCount, hostStopping);
            // Cancelled while it ran: the run holds the row as it last wrote it; the cancel is the end to tell.
            job = run.Cancelled ? await jobs.GetAsync(run.Job.Id, CancellationToken.None) : run.Job;
        }

        // Also for a job found finished: the run that ended it may have died before its listeners were told.
        if (job is { IsFinal: true })
            await ended.NotifyAsync(job, hostStopping);
    }

    private async Task RunAsync(JobRun run, long dequeueCount, CancellationToken hostStopping)
    {
        try
        {
            LogStarted(logger, run.Kind.Name, run.Job.Attempts, run.Policy.MaxAttempts, dequeueCount);
            var context = new JobContext(run, parts, run.Policy.MaxAttempts, dequeueCount);
            var result = await run.Kind.RunAsync(services, run.Job, context, run.Token);
            if (result.Parts is { } split)
            {
                if (await run.SplitAsync(result.Summary, split, parts) is not null)
                    LogSplit(logger, split.Count, result.Summary);
                return;
            }

            var output = result.Output is null ? null : JobPayload.Serialize(result.Output);
            var done = await run.SucceedAsync(result.Summary, j =>
            {
                j.Progress = 100;
                j.Error = null;
                j.Result = output;
            }, result.Code);
            if (done is not null)
                LogSucceeded(logger, result.Summary, (done.CompletedAt - done.StartedAt)?.TotalSeconds ?? 0);
            else if (result.Discard is { } discard)
                await discard(); // cancelled or taken over at the last moment: not the result
        }
        catch (OperationCanceledException) when (run.Interrupted)
        {
            // Cancelled by a person, taken over by another worker, or given up (fenced: the run hands it back as it is
            // disposed): the job is no longer this run's to end.
            LogInterrupted(logger, run.Cancelled ? "cancelled" : run.Fenced ? "given up: its lease could not be renewed" : "taken over by another worker");
        }
        catch (OperationCanceledException) when (hostStopping.IsCancellationRequested && !run.Ended)
        {
            await run.StoppedAsync();
        }
        catch (PermanentJobException ex) when (!run.Ended)
        {
            await run.FailAsync(ex.Message, ex.Code);
        }
        catch (TransientJobException ex) when (!run.Ended)
        {
            await run.RetryLaterAsync(ex.Message, ex.InnerException ?? ex, ex.Code);
        }
        catch (Exception ex) when (!run.Ended && Classify(run.Kind, ex) is { } fault)
        {
            if (fault.Permanent)
                await run.FailAsync(fault.Reason);
            else
                await run.RetryLaterAsync(fault.Reason, ex);
        }
        catch (Exception ex) when (!run.Ended)
        {
            LogUnexpected(logger, ex.GetType().Name, ex);
            await run.RetryLaterAsync(Unexpected(ex), ex);
        }
    }

    /// <summary>What the kind says of the fault; else a storage outage is transient, in words that name no account or path.</summary>
    private static JobFault? Classify(JobKind kind, Exception ex) =>
        kind.Classify(ex) ?? (StorageFaults.IsUnavailable(ex) ? JobFault.Retry(DescribeStorageFault(ex)) : null);

    internal static string DescribeStorageFault(Exception ex) => ex is RequestFailedException { Status: > 0 } failed
        ? $"Storage was unavailable ({failed.Status} {failed.ErrorCode})."
        : "Storage could not be reached.";

    /// <summary>An unexpected exception in words for the job's error: its type and message, cut to a readable length.</summary>
    internal static string Unexpected(Exception ex)
    {
        var text = $"{ex.GetType().Name}: {ex.Message}";
        return text.Length <= MaxErrorLength ? text : text[..(MaxErrorLength - 1)] + "…";
    }

    private const int MaxErrorLength = 500;

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "Malformed {Queue} message moved to the poison queue: {Reason}")]
    private static partial void LogMalformedMessage(ILogger logger, string queue, string reason);

    [LoggerMessage(EventId = 1026, Level = LogLevel.Information, Message = "{Kind} job started: attempt {Attempt} of {MaxAttempts}, delivery {DequeueCount}")]
    private static partial void LogStarted(ILogger logger, string kind, int attempt, int maxAttempts, long dequeueCount);

    [LoggerMessage(EventId = 1019, Level = LogLevel.Information, Message = "Job succeeded in {Seconds:0.00} s: {Summary}")]
    private static partial void LogSucceeded(ILogger logger, string summary, double seconds);

    [LoggerMessage(EventId = 1082, Level = LogLevel.Information, Message = "The job is split into {Parts} parts and waits for them: {Summary}")]
    private static partial void LogSplit(ILogger logger, int parts, string summary);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Error, Message = "The work failed on an unexpected {ExceptionType}; it counts as a transient fault")]
    private static partial void LogUnexpected(ILogger logger, string exceptionType, Exception exception);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Information, Message = "The work stopped: the job was {Why}")]
    private static partial void LogInterrupted(ILogger logger, string why);
}
