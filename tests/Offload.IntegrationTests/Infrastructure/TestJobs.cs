using Offload.Email;
using Offload.Jobs;
using Offload.Videos;

namespace Offload.IntegrationTests.Infrastructure;

/// <summary>Job rows as the API writes them, for tests that store a job by hand.</summary>
public static class TestJobs
{
    public static Job New(string id, string kind, string owner, DateTimeOffset now) => kind switch
    {
        VideoJob.Kind => Job.New(id, kind, owner, now, new VideoPayload("clip.avi", "video/x-msvideo", 1024)),
        EmailJob.Kind => Job.New(id, kind, owner, now, new EmailPayload("someone@example.com", "welcome", new Dictionary<string, string> { ["name"] = "Ada" })),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No test payload for this kind."),
    };

    /// <summary>What the encode of a succeeded video job recorded.</summary>
    public static VideoOutput VideoOutput(this Job job) =>
        job.ResultAs<VideoOutput>() ?? throw new InvalidOperationException($"Job {job.Id} ({job.Status}) has no video output.");

    /// <summary>Every blob a succeeded video job names as its result: the MP4 and its pictures, in name order.</summary>
    public static List<string> ResultBlobs(this Job job) =>
        [.. new[] { job.VideoOutput().BlobName! }.Concat(job.VideoOutput().Pictures?.Files.Select(f => f.BlobName) ?? []).Order(StringComparer.Ordinal)];
}
