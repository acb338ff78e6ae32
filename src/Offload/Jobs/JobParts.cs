using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Offload.Messaging;

namespace Offload.Jobs;

/// <summary>
/// A part a run splits its job into (<see cref="JobResult.Split"/>): a job of its own of <paramref name="Kind"/>, with its
/// payload, its share of the work (<paramref name="Weight"/>: a video part's frames) and what it is in words, for the
/// history (<c>video 60.0-120.0 s</c>).
/// </summary>
public sealed record JobPart(string Kind, string Payload, int PayloadVersion, long Weight, string Description)
{
    public static JobPart Of<TPayload>(string kind, TPayload payload, long weight, string description) where TPayload : IJobPayload =>
        new(kind, JobPayload.Serialize(payload), TPayload.Version, weight, description);
}

/// <summary>
/// Fan-out and fan-in (Celery's chord) on the core. A run that splits its job (<see cref="JobResult.Split"/>) stores
/// the parts as jobs of their own, in the job's shard, with ids that come from the job and the run
/// (<see cref="IdOf"/>); the job moves to <c>waiting</c>, no worker holding it, and only then are the parts queued. Each
/// part has its own attempts, lease, fencing and retries, on any worker. When a part ends, a compare-and-set on the job
/// records it (<see cref="JobEndedAsync"/>); the write that records the last success queues the job again, and its
/// claim (waiting → processing, a compare-and-set too) is the next stage: it runs once, however many parts end at the
/// same moment. A part that fails fails the job; a job that fails or is cancelled cancels its parts.
/// </summary>
/// <remarks>
/// Nothing is left waiting: a part's end recorded nowhere (its worker died in between) is found when the job's message
/// comes again: the sweeper sends it for a job untouched for <see cref="JobOptions.RedeliverAfter"/>, and its claim
/// reads the parts (<see cref="CatchUpAsync"/>). A part made by a run that did not get to wait (it was cancelled,
/// or died, and the next run split again under other ids) is cancelled when it is claimed (<see cref="IsWanted"/>).
/// </remarks>
public sealed partial class JobParts(JobStore jobs, JobQueue queue, JobKinds kinds, IServiceProvider services, ILogger<JobParts> logger)
    : IJobEndListener
{
    /// <summary>How much of a split job's progress its parts are; the stage after them is the rest.</summary>
    public const int PartsProgress = 95;

    // Parts that end together race on the job's row: each reads it again and retries.
    private const int Tries = 20;

    /// <summary>
    /// The id of part <paramref name="index"/> of the split <paramref name="partsKey"/> of job <paramref name="jobId"/>: a
    /// job id (32 lower-case hex digits) in the job's shard, the same every time it is asked for.
    /// </summary>
    public static string IdOf(string jobId, string partsKey, int index)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{jobId}/{partsKey}/{index}")));
        return hash[..(JobId.Length - 1)] + jobId[^1];
    }

    /// <summary>The job was split and every part has succeeded: its next stage may run.</summary>
    public static bool AllSucceeded(Job job) => job is { PartCount: > 0, PartsDone: { } done } && !done.Contains('0');

    /// <summary>How many of the job's parts have succeeded.</summary>
    public static int SucceededCount(Job job) => job.PartsDone?.Count(c => c == '1') ?? 0;

    /// <summary>The job's progress from its parts': each part's weighted by its share, scaled to <see cref="PartsProgress"/>.</summary>
    public static int ProgressOf(IReadOnlyList<Job?> parts)
    {
        var total = parts.Sum(p => p?.PartWeight ?? 0);
        if (total <= 0)
            return 0;
        var done = parts.Sum(p => p is null ? 0 : p.PartWeight * (p.Status == JobStatus.Succeeded ? 100 : Math.Clamp(p.Progress, 0, 99)) / 100.0);
        return (int)Math.Floor(PartsProgress * done / total);
    }

    /// <summary>The rows of a split's parts, made by the run <paramref name="job"/> holds (its lease owner names the split).</summary>
    internal static List<Job> NewParts(Job job, IReadOnlyList<JobPart> parts, DateTimeOffset now)
    {
        var key = job.LeaseOwner ?? throw new ArgumentException("Only a run that holds the job splits it.", nameof(job));
        // In the shard of their id, which is the job's own (the same last digit), or for a job stored before the shards
        // the shard its id would have: where JobStore.GetAsync and the sweeper look.
        return [.. parts.Select((part, index) => new Job
        {
            PartitionKey = JobRows.ShardOf(IdOf(job.Id, key, index)),
            RowKey = JobRows.JobKey(IdOf(job.Id, key, index)),
            Kind = part.Kind,
            Owner = job.Owner,
            Status = JobStatus.Queued,
            CreatedAt = now,
            UpdatedAt = now,
            Payload = part.Payload,
            PayloadVersion = part.PayloadVersion,
            ParentId = job.Id,
            PartIndex = index,
            PartWeight = part.Weight,
        })];
    }

    /// <summary>Stores a split's parts, idempotently (a part stored by an earlier try of the same run is kept as it is).</summary>
    internal Task CreateAsync(Job job, IReadOnlyList<Job> parts, IReadOnlyList<JobPart> described, CancellationToken cancellationToken) =>
        jobs.CreateAllAsync(parts, p => $"Part {p.PartIndex + 1} of {parts.Count} of job {job.Id}: {described[p.PartIndex].Description}.", cancellationToken);

    /// <summary>Queues the parts of a split, all at once.</summary>
    internal Task EnqueueAsync(IReadOnlyList<Job> parts, CancellationToken cancellationToken) =>
        Task.WhenAll(parts.Select(p => queue.EnqueueAsync(kinds.QueueOf(p.Kind), p.Id, cancellationToken)));

    /// <summary>The parts of the job's latest split, in order; <c>null</c> for one not stored (gone with retention).</summary>
    public async Task<IReadOnlyList<Job?>> ReadAsync(Job job, CancellationToken cancellationToken)
    {
        if (job is not { PartCount: > 0, PartsKey: { } key })
            return [];
        return await Task.WhenAll(Enumerable.Range(0, job.PartCount).Select(i => jobs.GetAsync(IdOf(job.Id, key, i), cancellationToken)));
    }

    /// <summary>Whether <paramref name="parent"/> still waits for <paramref name="part"/>: a part of its latest split, not yet recorded.</summary>
    public static bool IsWanted(Job part, Job? parent) =>
        parent is { Status: JobStatus.Waiting, PartsKey: { } key }
        && part.PartIndex < parent.PartCount && IdOf(parent.Id, key, part.PartIndex) == part.Id;

    /// <summary>A part ended: recorded on its job. A split job that failed or was cancelled: its parts are cancelled.</summary>
    public async Task JobEndedAsync(Job job, CancellationToken cancellationToken)
    {
        if (job.ParentId is not null)
            await RecordAsync(job, cancellationToken);
        if (job is { PartCount: > 0, Status: JobStatus.Failed or JobStatus.Cancelled })
            await CancelPartsAsync(job, cancellationToken);
    }

    /// <summary>
    /// Reads the parts of a waiting job and records each that ended without being recorded (its worker died before it
    /// told the job); returns the job as it is then.
    /// </summary>
    public async Task<Job?> CatchUpAsync(Job job, CancellationToken cancellationToken)
    {
        var parts = await ReadAsync(job, cancellationToken);
        var current = job;
        foreach (var part in parts)
        {
            if (part is not { IsFinal: true } || current is not { Status: JobStatus.Waiting })
                continue;
            if (part.Status == JobStatus.Succeeded && current.PartsDone![part.PartIndex] == '1')
                continue;
            current = await RecordAsync(part, cancellationToken);
        }

        return current;
    }

    /// <summary>
    /// Records a part's end on its job, a compare-and-set with the job's history entry: a success marks it (the last
    /// one queues the job for its next stage); a failure or a cancel fails the job, with the part's reason.
    /// </summary>
    private async Task<Job?> RecordAsync(Job part, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginJobScope(part.ParentId!);
        for (var i = 0; i < Tries; i++)
        {
            var job = await jobs.GetAsync(part.ParentId!, cancellationToken);
            if (job is { IsFinal: true, PartsKey: { } key } && part.PartIndex < job.PartCount && IdOf(job.Id, key, part.PartIndex) == part.Id)
            {
                // It ended while this part ran (a part failed, or it was cancelled): its end is told again, in case the
                // telling that ended it was cut short (its listeners are once-only by themselves), which also cancels
                // the parts still running.
                await services.GetRequiredService<JobEndListeners>().NotifyAsync(job, cancellationToken);
                return job;
            }

            if (job is not { Status: JobStatus.Waiting } || !IsWanted(part, job))
                return job; // this part is of a split it no longer waits for
            var n = job.PartCount;
            var which = $"Part {part.PartIndex + 1} of {n} ({part.Kind})";
            Job? moved;
            if (part.Status == JobStatus.Succeeded)
            {
                var done = job.PartsDone!.ToCharArray();
                if (done[part.PartIndex] == '1')
                {
                    // Recorded before (this part's end is told again): make sure the job was queued if it was the last.
                    if (AllSucceeded(job))
                        await queue.EnqueueAsync(kinds.QueueOf(job.Kind), job.Id, cancellationToken);
                    return job;
                }

                done[part.PartIndex] = '1';
                var next = new string(done);
                var count = next.Count(c => c == '1');
                var all = count == n;
                var took = part is { StartedAt: { } started, CompletedAt: { } completed } ? $" in {(completed - started).TotalSeconds:0.0} s" : "";
                moved = await jobs.TryMoveAsync(job, JobStatus.Waiting,
                    $"{which} succeeded{took}, attempt {part.Attempts}, on {part.Worker ?? "a worker"} ({count} of {n} done)." +
                    (all ? " Every part has succeeded: the next stage is queued." : ""),
                    j => j.PartsDone = next, cancellationToken);
                if (moved is null)
                    continue;
                LogPartRecorded(logger, part.PartIndex + 1, n, count);
                if (all)
                    await queue.EnqueueAsync(kinds.QueueOf(job.Kind), job.Id, cancellationToken);
                return moved;
            }

            var reason = part.Status == JobStatus.Cancelled
                ? $"{which} was cancelled: {part.Error ?? "no reason given"}"
                : $"{which} failed: {part.Error ?? "no reason given"}";
            moved = await jobs.TryMoveAsync(job, JobStatus.Failed, reason, j => j.Error = reason, cancellationToken);
            if (moved is null)
                continue;
            JobLog.Failed(logger, reason);
            // Its own end, told like any other: its events, and the cancel of the parts still running (this listener).
            await services.GetRequiredService<JobEndListeners>().NotifyAsync(moved, cancellationToken);
            return moved;
        }

        throw new InvalidOperationException($"The job changed {Tries} times while a part's end was recorded on it; the part's next delivery records it.");
    }

    /// <summary>Cancels every part of the job that has not ended: its worker notices at its next heartbeat and stops.</summary>
    private async Task CancelPartsAsync(Job job, CancellationToken cancellationToken)
    {
        var reason = $"Its job {(job.Status == JobStatus.Failed ? "failed" : "was cancelled")}; the part is not needed any more.";
        var parts = await ReadAsync(job, cancellationToken);
        var cancelled = 0;
        foreach (var part in parts)
        {
            if (part is not null && await CancelAsync(part, reason, cancellationToken))
                cancelled++;
        }

        if (cancelled > 0)
            LogPartsCancelled(logger, cancelled, job.PartCount, job.Status);
    }

    /// <summary>Cancels a part that has not ended (a heartbeat may win a race or two: read and try again); <c>false</c> when it had.</summary>
    internal async Task<bool> CancelAsync(Job part, string reason, CancellationToken cancellationToken)
    {
        if (part.ETag == default)
            part = (await jobs.GetAsync(part.Id, cancellationToken))!; // a row made by an earlier try: its ETag is the store's
        for (var i = 0; i < Tries && part is { IsFinal: false }; i++)
        {
            if (await jobs.TryMoveAsync(part, JobStatus.Cancelled, reason, j =>
                {
                    j.Error = reason;
                    j.NextAttemptAt = null;
                }, cancellationToken) is not null)
            {
                return true;
            }

            part = (await jobs.GetAsync(part.Id, cancellationToken))!;
        }

        return false;
    }

    [LoggerMessage(EventId = 1080, Level = LogLevel.Information, Message = "Part {Part} of {Parts} succeeded ({Done} done)")]
    private static partial void LogPartRecorded(ILogger logger, int part, int parts, int done);

    [LoggerMessage(EventId = 1081, Level = LogLevel.Information, Message = "{Cancelled} of the job's {Parts} parts cancelled: the job was {Status}")]
    private static partial void LogPartsCancelled(ILogger logger, int cancelled, int parts, string status);
}
