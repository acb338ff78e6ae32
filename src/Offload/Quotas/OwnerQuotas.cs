using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Access;
using Offload.Email;
using Offload.Idempotency;
using Offload.Jobs;
using Offload.Storage;
using Offload.Videos;

namespace Offload.Quotas;

/// <summary>Why a request was refused: which quota (its setting), and when it is worth asking again.</summary>
public sealed record QuotaRefusal(string Setting, string Title, TimeSpan RetryAfter);

/// <summary>
/// The quotas of one owner, checked before any work is accepted and counted across instances
/// (<see cref="RateCounters"/>): videos a minute, videos in flight, source seconds encoded a day, emails a minute, and
/// emails of one template to one recipient an hour.
/// </summary>
public sealed partial class OwnerQuotas(
    RateCounters counters, JobStore jobs, TableServiceClient tables, TimeProvider clock,
    IOptions<QuotaOptions> options, IOptions<VideoOptions> videoOptions, ILogger<OwnerQuotas> logger)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    // How long a video in flight whose job row does not exist yet (an upload on its way) still counts.
    private TimeSpan PendingGrace => videoOptions.Value.UploadLinkLifetime + TimeSpan.FromMinutes(15);

    private readonly TableClient _table = tables.GetTableClient(StorageNames.QuotasTable);
    private QuotaOptions Limits => options.Value;

    /// <summary>
    /// Takes one new (or retried) video <paramref name="jobId"/> for <paramref name="caller"/>, and, when it will send a
    /// <paramref name="notify"/> email, that email's place in the recipient's hourly count; <c>null</c> when it is within
    /// every quota. A refusal takes nothing: counts are looked at first, then taken, and what was taken is given back
    /// should another instance have taken the last unit meanwhile.
    /// </summary>
    public async Task<QuotaRefusal?> TakeVideoAsync(Caller caller, string jobId, string? notify, CancellationToken cancellationToken)
    {
        if (!Limits.Enabled)
            return null;
        var recipient = notify is null ? null : RecipientBucket(notify, NotificationTemplate);
        if (recipient is not null && await OverRecipientAsync(caller, recipient, NotificationTemplate, cancellationToken) is { } full)
            return full;

        var counted = !(caller.IsAdmin && Limits.AdminExempt);
        var uploads = Bucket("uploads", caller.OwnerId);
        if (counted)
        {
            var (encoded, dayEnd) = await counters.GetAsync(Bucket("encoded-seconds", caller.OwnerId), Day, cancellationToken);
            if (encoded >= Limits.EncodedSecondsPerDay)
                return Refuse(caller, nameof(QuotaOptions.EncodedSecondsPerDay),
                    $"Over the quota of {Limits.EncodedSecondsPerDay} source seconds encoded a day (UTC); try again tomorrow.", dayEnd - clock.GetUtcNow());

            var (thisMinute, minuteEnd) = await counters.GetAsync(uploads, Minute, cancellationToken);
            if (thisMinute >= Limits.UploadsPerMinute)
                return OverUploads(caller, minuteEnd - clock.GetUtcNow());
            if (!await TryChangeInFlightAsync(caller.OwnerId, add: jobId, remove: null, cancellationToken))
                return Refuse(caller, nameof(QuotaOptions.ConcurrentVideos),
                    $"Over the quota of {Limits.ConcurrentVideos} videos in flight at once: wait for one to finish (or cancel one).", TimeSpan.FromSeconds(30));
            if (await counters.TryTakeAsync(uploads, Limits.UploadsPerMinute, Minute, 1, cancellationToken) is { } wait)
            {
                await ReleaseVideoAsync(caller.OwnerId, jobId, cancellationToken);
                return OverUploads(caller, wait);
            }
        }

        if (recipient is not null && await counters.TryTakeAsync(recipient, Limits.EmailsPerRecipientPerHour, Hour, 1, cancellationToken) is { } recipientWait)
        {
            if (counted)
            {
                await ReleaseVideoAsync(caller.OwnerId, jobId, cancellationToken);
                await counters.AddAsync(uploads, Minute, -1, cancellationToken);
            }

            return OverRecipient(caller, NotificationTemplate, recipientWait);
        }

        return null;
    }

    /// <summary>Gives back the place in flight of a video that was never accepted (too large, empty, the client gave up).</summary>
    public Task ReleaseVideoAsync(string owner, string jobId, CancellationToken cancellationToken) =>
        TryChangeInFlightAsync(owner, add: null, remove: jobId, cancellationToken);

    private QuotaRefusal OverUploads(Caller caller, TimeSpan wait) =>
        Refuse(caller, nameof(QuotaOptions.UploadsPerMinute), $"Over the quota of {Limits.UploadsPerMinute} videos a minute.", wait);

    /// <summary>Takes one email of <paramref name="template"/> to <paramref name="to"/>; <c>null</c> when within the quotas.</summary>
    public async Task<QuotaRefusal?> TakeEmailAsync(Caller caller, string to, string template, CancellationToken cancellationToken)
    {
        if (!Limits.Enabled)
            return null;
        if (await TakeEmailMinuteAsync(caller, cancellationToken) is { } overEmails)
            return overEmails;

        // Per recipient whoever asks: even an exempt admin cannot mail-bomb one address.
        if (await counters.TryTakeAsync(RecipientBucket(to, template), Limits.EmailsPerRecipientPerHour, Hour, 1, cancellationToken) is { } recipientWait)
            return await GiveBackEmailMinuteAsync(caller, OverRecipient(caller, template, recipientWait), cancellationToken);
        return null;
    }

    /// <summary>
    /// Takes one email of <paramref name="template"/> to <paramref name="to"/> and creates it with
    /// <paramref name="create"/>, which writes the row it is given (the recipient's hourly counter, or <c>null</c> when
    /// quotas are off) in the email job's creation transaction: the job's id comes from <see cref="NewEmailId"/>, so it
    /// is in that row's shard, and the recipient's count costs no storage operation of its own. <c>null</c> when
    /// created; a refusal creates nothing and takes nothing.
    /// </summary>
    public async Task<QuotaRefusal?> TakeEmailAsync(Caller caller, string to, string template, Func<ShardRow?, Task> create, CancellationToken cancellationToken)
    {
        if (!Limits.Enabled)
        {
            await create(null);
            return null;
        }

        if (await TakeEmailMinuteAsync(caller, cancellationToken) is { } overEmails)
            return overEmails;
        var recipient = RecipientBucket(to, template);
        while (true)
        {
            var take = await counters.PrepareTakeAsync(recipient, Limits.EmailsPerRecipientPerHour, Hour, 1, cancellationToken);
            if (take.Row is not { } row)
                return await GiveBackEmailMinuteAsync(caller, OverRecipient(caller, template, take.RetryAfter!.Value), cancellationToken);
            try
            {
                await create(row);
            }
            catch (ShardRowChangedException)
            {
                counters.Lost(take); // another instance counted this recipient meanwhile: read, and decide again
                continue;
            }

            if (row.Written is { } etag)
                counters.Taken(take, etag);
            return null;
        }
    }

    /// <summary>A new email job's id, in the shard of its recipient's hourly counter (<see cref="TakeEmailAsync(Caller, string, string, Func{ShardRow?, Task}, CancellationToken)"/>).</summary>
    public static string NewEmailId(string to, string template) => JobRows.NewIdInShardOf(RateCounters.ShardHash(RecipientBucket(to, template)));

    private async Task<QuotaRefusal?> TakeEmailMinuteAsync(Caller caller, CancellationToken cancellationToken) =>
        !(caller.IsAdmin && Limits.AdminExempt)
        && await counters.TryTakeAsync(Bucket("emails", caller.OwnerId), Limits.EmailsPerMinute, Minute, 1, cancellationToken) is { } wait
            ? OverEmails(caller, wait)
            : null;

    /// <summary>A refusal takes nothing: the requester's minute taken for the email is given back.</summary>
    private async Task<QuotaRefusal> GiveBackEmailMinuteAsync(Caller caller, QuotaRefusal refusal, CancellationToken cancellationToken)
    {
        if (!(caller.IsAdmin && Limits.AdminExempt))
            await counters.AddAsync(Bucket("emails", caller.OwnerId), Minute, -1, cancellationToken);
        return refusal;
    }

    /// <summary>Takes one test event (<c>POST /api/webhooks/{id}/test</c>); <c>null</c> when within the quota.</summary>
    public async Task<QuotaRefusal?> TakeWebhookTestAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (!Limits.Enabled || (caller.IsAdmin && Limits.AdminExempt))
            return null;
        return await counters.TryTakeAsync(Bucket("webhook-tests", caller.OwnerId), Limits.WebhookTestsPerMinute, Minute, 1, cancellationToken) is { } wait
            ? Refuse(caller, nameof(QuotaOptions.WebhookTestsPerMinute), $"Over the quota of {Limits.WebhookTestsPerMinute} test events a minute.", wait)
            : null;
    }

    /// <summary>The template name under which <c>?notify=</c> emails (video-ready, video-failed) are counted per recipient.</summary>
    public const string NotificationTemplate = "video-notification";

    private async Task<QuotaRefusal?> OverRecipientAsync(Caller caller, string bucket, string template, CancellationToken cancellationToken)
    {
        var (count, hourEnd) = await counters.GetAsync(bucket, Hour, cancellationToken);
        return count >= Limits.EmailsPerRecipientPerHour ? OverRecipient(caller, template, hourEnd - clock.GetUtcNow()) : null;
    }

    private QuotaRefusal OverRecipient(Caller caller, string template, TimeSpan wait) =>
        Refuse(caller, nameof(QuotaOptions.EmailsPerRecipientPerHour),
            $"This recipient already got {Limits.EmailsPerRecipientPerHour} '{template}' emails this hour.", wait);

    private QuotaRefusal OverEmails(Caller caller, TimeSpan wait) =>
        Refuse(caller, nameof(QuotaOptions.EmailsPerMinute), $"Over the quota of {Limits.EmailsPerMinute} emails a minute.", wait);

    /// <summary>
    /// One recipient however it is written: the address without a display name (<c>Ada &lt;a@x.com&gt;</c> and
    /// <c>Bob &lt;a@x.com&gt;</c> are one inbox), lower case, and an international domain in its punycode form.
    /// </summary>
    private static string RecipientBucket(string to, string template)
    {
        var address = (EmailAddress.TryParse(to, out var mailbox) ? mailbox.Address : to).Trim().ToLowerInvariant();
        var at = address.LastIndexOf('@');
        if (at > 0)
        {
            try
            {
                address = address[..(at + 1)] + new IdnMapping().GetAscii(address[(at + 1)..]);
            }
            catch (ArgumentException)
            {
                // not a valid international domain: count it as written
            }
        }

        return Bucket("recipient", address, template);
    }

    /// <summary>Counts the source seconds of an encode that starts (known once the source is probed).</summary>
    public Task RecordEncodeAsync(string owner, TimeSpan duration, CancellationToken cancellationToken) =>
        counters.AddAsync(Bucket("encoded-seconds", owner), Day, (long)Math.Ceiling(duration.TotalSeconds), cancellationToken);

    /// <summary>
    /// Adds <paramref name="add"/> to (or removes <paramref name="remove"/> from) the owner's videos in flight: one row
    /// of ids with when they were added, dropping those that have ended. Adding fails when the quota is full. A
    /// compare-and-set, so instances never overfill it together.
    /// </summary>
    private async Task<bool> TryChangeInFlightAsync(string owner, string? add, string? remove, CancellationToken cancellationToken)
    {
        var partition = IdempotencyKeys.Fingerprint("videos-in-flight", owner);
        while (true)
        {
            var found = await _table.GetEntityIfExistsAsync<TableEntity>(partition, "videos", cancellationToken: cancellationToken);
            var row = found.HasValue ? found.Value! : null;
            var now = clock.GetUtcNow();
            var live = new List<string>();
            foreach (var entry in (row?.GetString("Jobs") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var colon = entry.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0 || !long.TryParse(entry[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                    continue; // not written by this code: drop it rather than fail every request of the owner
                var (id, added) = (entry[..colon], DateTimeOffset.FromUnixTimeSeconds(seconds));
                if (id == remove)
                    continue;
                var job = await jobs.GetAsync(id, cancellationToken);
                if (job is null ? now - added < PendingGrace : !job.IsFinal)
                    live.Add(entry);
            }

            if (add is not null)
            {
                if (live.Count >= Limits.ConcurrentVideos)
                    return false;
                live.Add($"{add}:{now.ToUnixTimeSeconds()}");
            }

            var next = new TableEntity(partition, "videos") { ["Jobs"] = string.Join(',', live), ["Owner"] = owner };
            try
            {
                if (row is null)
                    await _table.AddEntityAsync(next, cancellationToken);
                else
                    await _table.UpdateEntityAsync(next, row.ETag, TableUpdateMode.Replace, cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // another request of this owner changed it: read again
            }
        }
    }

    private QuotaRefusal Refuse(Caller caller, string setting, string title, TimeSpan retryAfter)
    {
        LogOverQuota(logger, caller.OwnerId, setting);
        return new QuotaRefusal($"{QuotaOptions.SectionName}:{setting}", title, retryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retryAfter);
    }

    private static string Bucket(params string[] parts) => string.Join('|', parts);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Owner {Owner} refused: over {Quota}")]
    private static partial void LogOverQuota(ILogger logger, string owner, string quota);
}
