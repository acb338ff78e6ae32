using Microsoft.Extensions.DependencyInjection;
using Offload.Email;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Testing;

namespace Offload.IntegrationTests.Jobs;

/// <summary>
/// What no kind of work expects is caught once, in the core: the job's error and history name the exception, it is
/// retried like any transient fault, and it fails at the attempt limit. Never "the worker stopped renewing its lease".
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class UnexpectedFaultTests(StorageFixture fixture)
{
    [Fact]
    public async Task AnUnexpectedException_IsRetried_ThenFails_WithItsTypeAndMessageInTheErrorAndHistory()
    {
        await using var services = fixture.CreateServices(new Dictionary<string, string?>
        {
            ["Email:MaxAttempts"] = "2",
            ["Email:RetryBaseDelay"] = "00:00:00",
        });
        var jobs = services.GetRequiredService<JobStore>();
        // A row no API would write: its recipient is not an address, so MimeKit throws what the email worker never expects.
        var job = Job.New(JobId.New(), EmailJob.Kind, TestCallers.Owner.OwnerId, jobs.Now,
            new EmailPayload("<<not an address", "welcome", new Dictionary<string, string> { ["name"] = "Ada" }));
        await jobs.CreateAsync(job, "Accepted.", CancellationToken.None);
        var handler = services.GetRequiredService<JobRunner>();

        await handler.HandleAsync(new JobDelivery(QueueNames.HighPriority, JobMessage.For(job.Id).ToJson(), 1), CancellationToken.None);
        var retrying = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Retrying, 1), (retrying.Status, retrying.Attempts));
        Assert.StartsWith("ParseException: ", retrying.Error);

        await handler.HandleAsync(new JobDelivery(QueueNames.HighPriority, JobMessage.For(job.Id).ToJson(), 2), CancellationToken.None);
        var failed = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Failed, 2), (failed.Status, failed.Attempts));
        Assert.StartsWith("Gave up after 2 attempts: ParseException: ", failed.Error);

        var history = await jobs.GetHistoryAsync(job.Id, CancellationToken.None);
        Assert.Contains(history, e => e.Status == JobStatus.Retrying && e.Reason.Contains("ParseException", StringComparison.Ordinal));
        Assert.DoesNotContain(history, e => e.Reason.Contains("stopped renewing its lease", StringComparison.Ordinal));
        // The stack trace is in the log, with the job id in scope.
        Assert.Contains(fixture.Logs.Entries, e => e.EventId.Id == 1014 && e.Exception is MimeKit.ParseException && e.Scopes.Contains($"Job {job.Id}"));
    }
}
