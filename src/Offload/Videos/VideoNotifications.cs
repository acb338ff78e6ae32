using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Offload.Email;
using Offload.Http;
using Offload.Jobs;

namespace Offload.Videos;

/// <summary>
/// Tells the owner of a video (<c>?notify=</c>) how it ended, by queueing a <c>video-ready</c> or
/// <c>video-failed</c> email on <c>high-priority</c>: the encoder never talks to SMTP. The email job's id is derived
/// from the video's and the outcome, so however often this runs, one email is queued per outcome: a video that
/// fails, is sent through again by a person and fails again has had one "failed" email, and one "ready" email
/// should it succeed at last. Nobody is told the same news twice.
/// </summary>
public sealed class VideoNotifications(QueueEmailHandler emails, IOptions<EmailOptions> options) : IJobEndListener
{
    public async Task JobEndedAsync(Job video, CancellationToken cancellationToken)
    {
        // A cancelled video needs no email: whoever cancelled it knows. (A job from before owners existed has none to send for.)
        if (video is not { Kind: VideoJob.Kind, Status: JobStatus.Succeeded or JobStatus.Failed, Owner: { } owner } || video.PayloadAs<VideoPayload>()?.Notify is not { } to)
            return;

        var baseUrl = options.Value.LinkBaseUrl.TrimEnd('/');
        var (template, model) = video.Status == JobStatus.Succeeded
            ? ("video-ready", new Dictionary<string, string>
            {
                ["videoId"] = video.Id,
                ["status"] = video.Status,
                ["downloadUrl"] = baseUrl + VideoRoutes.OutputPath(video.Id),
            })
            : ("video-failed", new Dictionary<string, string>
            {
                ["videoId"] = video.Id,
                // A reason is a sentence or two; cut at the model's cap, so an odd long one still sends the email.
                ["reason"] = video.Error is { } error ? error[..Math.Min(error.Length, RequestLimits.MaxModelValueLength)] : "unknown",
            });

        // The email is the video owner's: they can follow it at GET /api/emails/{id} like any other.
        await emails.HandleAsync(new QueueEmailCommand(owner, to, template, model, NotificationId(video.Id, video.Status)), cancellationToken);
    }

    /// <summary>The id of the one notification email a video can have for <paramref name="outcome"/> (succeeded or failed), whatever the number of runs.</summary>
    public static string NotificationId(string videoId, string outcome) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"notify:{videoId}:{outcome}")).AsSpan(0, 16));
}
