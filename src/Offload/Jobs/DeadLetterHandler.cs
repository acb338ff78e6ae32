using Microsoft.Extensions.Logging;
using Offload.Messaging;
using Offload.Telemetry;

namespace Offload.Jobs;

/// <summary>A message that reached <c>&lt;queue&gt;-poison</c>: its body, the queue it died on, and (from the trigger) its id and insertion time on the poison queue.</summary>
public sealed record DeadLetterCommand(string Queue, string Message, long DequeueCount, string? MessageId = null, DateTimeOffset? InsertedOn = null);

/// <summary>
/// Makes sure no job stays <c>queued</c>, <c>processing</c> or <c>retrying</c> once its message has died: the
/// listener moves a message to <c>&lt;queue&gt;-poison</c> after <c>maxDequeueCount</c> failed deliveries (or when it
/// cannot even decode it), and this ends the job <c>failed</c> with a reason. Every dead message is logged, and kept
/// for a person (<see cref="DeadLetters"/>: the dashboard's dead letters, to send on again or delete).
/// </summary>
public sealed partial class DeadLetterHandler(JobStore jobs, JobEndListeners ended, DeadLetters kept, ILogger<DeadLetterHandler> logger)
{
    private const int MaxLoggedChars = 256;

    public async Task HandleAsync(DeadLetterCommand command, CancellationToken cancellationToken)
    {
        if (!JobMessage.TryParse(command.Message, out var message, out var error))
        {
            LogMalformed(logger, command.Queue, error, Excerpt(command.Message));
            await kept.KeepAsync(command, null, $"Unreadable: {error}", cancellationToken);
            return;
        }

        using var delivery = JobTracing.BeginDelivery(QueueNames.PoisonOf(command.Queue), message, logger);
        if (command.Queue == QueueNames.Watchdog)
        {
            // Only a check died: the job's own message is still there, and the listener brings it back.
            LogDeadCheck(logger);
            await kept.KeepAsync(command, message.JobId, "A watchdog check; the job's own message brings it back.", cancellationToken);
            return;
        }

        var job = await jobs.GetAsync(message.JobId, cancellationToken);
        if (job is null)
        {
            LogUnknownJob(logger, command.Queue);
            await kept.KeepAsync(command, message.JobId, "No such job.", cancellationToken);
            return;
        }

        LogDeadLetter(logger, command.Queue, job.Status);
        if (!job.IsFinal)
        {
            var reason = $"Its message could not be processed and was moved to {QueueNames.PoisonOf(command.Queue)}" +
                         (job.Error is null ? "." : $"; the last error was: {job.Error}");
            var failed = await jobs.TryMoveAsync(job, JobStatus.Failed, reason, j => j.Error = reason, cancellationToken);
            if (failed is not null)
                JobLog.Failed(logger, reason);
            // Lost the race: another writer moved it; tell the listeners what it moved it to.
            job = failed ?? await jobs.GetAsync(job.Id, cancellationToken) ?? job;
        }

        // Whoever ended it, and also when this message comes back because telling the listeners failed last time.
        await ended.NotifyAsync(job, cancellationToken);
        await kept.KeepAsync(command, job.Id, $"Its job is {job.Status}{(job.Error is null ? "" : $": {job.Error}")}", cancellationToken);
    }

    private static string Excerpt(string body) => body.Length <= MaxLoggedChars ? body : body[..MaxLoggedChars] + "…";

    [LoggerMessage(EventId = 1010, Level = LogLevel.Error, Message = "A {Queue} message died (job was {Status}); the job is failed if it was not finished")]
    private static partial void LogDeadLetter(ILogger logger, string queue, string status);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Error, Message = "A malformed {Queue} message died ({Reason}): {Body}")]
    private static partial void LogMalformed(ILogger logger, string queue, string reason, string body);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "A watchdog check died on the poison queue; the job's own message still brings it back")]
    private static partial void LogDeadCheck(ILogger logger);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Error, Message = "A {Queue} message for an unknown job died")]
    private static partial void LogUnknownJob(ILogger logger, string queue);
}
