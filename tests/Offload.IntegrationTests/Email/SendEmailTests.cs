using Microsoft.Extensions.DependencyInjection;
using Offload.Email;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Testing;
using Offload.Videos;

namespace Offload.IntegrationTests.Email;

/// <summary>The email worker against real Azurite and a real SMTP server (maildev) on loopback.</summary>
[Collection(StorageCollection.Name)]
public sealed class SendEmailTests(StorageFixture fixture)
{
    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}@example.com";

    private async Task<Job> QueueAsync(string to, string template, Dictionary<string, string> model, IServiceProvider? services = null)
    {
        var result = await (services ?? fixture.Services).GetRequiredService<QueueEmailHandler>()
            .HandleAsync(new QueueEmailCommand(TestCallers.Owner.OwnerId, to, template, model), CancellationToken.None);
        return Assert.IsType<QueueEmailResult.Accepted>(result).Job;
    }

    private Task SendAsync(string jobId, IServiceProvider? services = null, long dequeueCount = 1) =>
        (services ?? fixture.Services).GetRequiredService<JobRunner>()
            .HandleAsync(new JobDelivery(QueueNames.HighPriority, JobMessage.For(jobId).ToJson(), dequeueCount), CancellationToken.None);

    [Fact]
    public async Task Send_DeliversSubjectTextAndHtml_WithTheLink()
    {
        var to = Unique("reset");
        var job = await QueueAsync(to, "password-reset", new() { ["name"] = "Ada", ["resetLink"] = "http://127.0.0.1:7071/reset?token=abc" });

        await SendAsync(job.Id);

        var email = Assert.Single(await fixture.Mail.WaitForAsync(e => e.To == to));
        Assert.Equal("Reset your Offload password", email.Subject);
        Assert.Contains("Hello Ada,", email.Text);
        Assert.Contains("http://127.0.0.1:7071/reset?token=abc", email.Text);
        Assert.Contains("<a href=\"http://127.0.0.1:7071/reset?token=abc\">", email.Html);
        Assert.Equal(job.Id, email.Job);
        var sent = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Succeeded, 1), (sent.Status, sent.Attempts));
    }

    [Fact]
    public async Task Send_EncodesModelValues_AndNeverExpandsThem()
    {
        var to = Unique("inject");
        var job = await QueueAsync(to, "welcome", new() { ["name"] = "<script>alert(1)</script> {{name}}" });

        await SendAsync(job.Id);

        var email = Assert.Single(await fixture.Mail.WaitForAsync(e => e.To == to));
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; {{name}}", email.Html);
        Assert.DoesNotContain("<script>", email.Html);
        Assert.Contains("<script>alert(1)</script> {{name}}", email.Text); // plain text is not markup
    }

    [Fact]
    public async Task Send_DoesNothing_WhenTheEmailWasAlreadySent()
    {
        var to = Unique("twice");
        var job = await QueueAsync(to, "welcome", new() { ["name"] = "Bo" });

        await SendAsync(job.Id);
        await SendAsync(job.Id, dequeueCount: 2);

        await Task.Delay(500);
        Assert.Single(await fixture.Mail.ReceivedAsync(), e => e.To == to);
    }

    [Theory]
    [InlineData("not-an-address", "welcome", "to")]
    [InlineData("", "welcome", "to")]
    [InlineData("a@example.com", "no-such-template", "template")]
    [InlineData("a@example.com", "password-reset", "model.resetLink")]
    public async Task Queue_NamesTheFieldAtFault(string to, string template, string field)
    {
        var result = await fixture.Services.GetRequiredService<QueueEmailHandler>()
            .HandleAsync(new QueueEmailCommand(TestCallers.Owner.OwnerId, to, template, new Dictionary<string, string> { ["name"] = "x" }), CancellationToken.None);

        Assert.Equal(field, Assert.IsType<QueueEmailResult.Invalid>(result).Field);
    }

    [Fact]
    public async Task Send_RetriesWhileTheMailServerIsUnreachable_ThenFailsWithTheReason()
    {
        await using var noServer = fixture.CreateServices(new Dictionary<string, string?>
        {
            ["Email:SmtpPort"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:MaxAttempts"] = "2",
            ["Email:RetryBaseDelay"] = "00:00:00",
        });
        var job = await QueueAsync(Unique("down"), "welcome", new() { ["name"] = "Cy" }, noServer);

        await SendAsync(job.Id, noServer, 1);
        var retrying = await fixture.JobAsync(job.Id);
        Assert.Equal(JobStatus.Retrying, retrying.Status);
        Assert.Contains("could not be reached", retrying.Error);
        Assert.NotNull(retrying.NextAttemptAt);

        await SendAsync(job.Id, noServer, 2);
        var failed = await fixture.JobAsync(job.Id);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.StartsWith("Gave up after 2 attempts: The mail server", failed.Error);
    }

    [Fact]
    public async Task Retry_SendsAFailedEmailThroughAgain_WithFreshAttempts()
    {
        await using var noServer = fixture.CreateServices(new Dictionary<string, string?>
        {
            ["Email:SmtpPort"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:MaxAttempts"] = "1",
        });
        var to = Unique("again");
        var job = await QueueAsync(to, "welcome", new() { ["name"] = "Eve" }, noServer);
        await SendAsync(job.Id, noServer);
        Assert.Equal(JobStatus.Failed, (await fixture.JobAsync(job.Id)).Status);

        var retried = await fixture.Services.GetRequiredService<RetryJobHandler>().HandleAsync(TestCallers.Owner, job.Id, EmailJob.Kind, CancellationToken.None);
        await SendAsync(job.Id); // the mail server is back

        var queued = Assert.IsType<RetryJobResult.Queued>(retried).Job;
        Assert.Equal((JobStatus.Queued, 0, 1), (queued.Status, queued.Attempts, queued.Retries));
        var sent = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Succeeded, 1), (sent.Status, sent.Attempts));
        Assert.Single(await fixture.Mail.WaitForAsync(e => e.To == to));
        var wrongKind = await fixture.Services.GetRequiredService<RetryJobHandler>().HandleAsync(TestCallers.Owner, job.Id, VideoJob.Kind, CancellationToken.None);
        Assert.IsType<RetryJobResult.NotFound>(wrongKind);
    }

    [Fact]
    public async Task Retry_PastJobsMaxRetries_IsRefused_AndChangesNothing()
    {
        await using var noServer = fixture.CreateServices(new Dictionary<string, string?>
        {
            ["Email:SmtpPort"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:MaxAttempts"] = "1",
            ["Jobs:MaxRetries"] = "2",
        });
        var retry = noServer.GetRequiredService<RetryJobHandler>();
        var job = await QueueAsync(Unique("stubborn"), "welcome", new() { ["name"] = "Flo" }, noServer);
        await SendAsync(job.Id, noServer);
        for (var i = 0; i < 2; i++)
        {
            Assert.IsType<RetryJobResult.Queued>(await retry.HandleAsync(TestCallers.Owner, job.Id, EmailJob.Kind, CancellationToken.None));
            await SendAsync(job.Id, noServer);
        }
        var before = await fixture.JobAsync(job.Id);

        var refused = await retry.HandleAsync(TestCallers.Owner, job.Id, EmailJob.Kind, CancellationToken.None);

        Assert.Equal(new RetryJobResult.RetryLimitReached(2, 2), refused);
        var after = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Failed, 2, before.ETag), (after.Status, after.Retries, after.ETag));
    }

    [Fact]
    public async Task Send_NeverLogsTheSmtpPassword()
    {
        await using var withPassword = fixture.CreateServices(new Dictionary<string, string?>
        {
            ["Email:SmtpPort"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:SmtpUser"] = "offload",
            ["Email:SmtpPassword"] = "s3cret-P4ssw0rd",
            ["Email:MaxAttempts"] = "1",
        });
        var job = await QueueAsync(Unique("secret"), "welcome", new() { ["name"] = "Di" }, withPassword);

        await SendAsync(job.Id, withPassword);

        Assert.Equal(JobStatus.Failed, (await fixture.JobAsync(job.Id)).Status);
        Assert.DoesNotContain(fixture.Logs.Entries, e => e.Message.Contains("s3cret-P4ssw0rd", StringComparison.Ordinal));
    }

    [Fact]
    public async Task VideoWithNotify_QueuesExactlyOneVideoReadyEmail_EvenWhenTheEncodeIsDeliveredTwice()
    {
        var to = Unique("owner");
        await fixture.ClearQueuesAsync();
        await using var clip = File.OpenRead(await TestClips.PathOf(Clip.Silent));
        var upload = await fixture.Services.GetRequiredService<UploadVideoHandler>()
            .HandleAsync(new UploadVideoCommand(TestCallers.Owner, clip, "video/x-msvideo", null, to), CancellationToken.None);
        var video = Assert.IsType<UploadVideoResult.Accepted>(upload).Job;
        var encode = fixture.Services.GetRequiredService<JobRunner>();

        await encode.HandleAsync(new JobDelivery(QueueNames.HeavyCompute, JobMessage.For(video.Id).ToJson(), 1), CancellationToken.None);
        await encode.HandleAsync(new JobDelivery(QueueNames.HeavyCompute, JobMessage.For(video.Id).ToJson(), 2), CancellationToken.None);

        // One email job. Its message may be sent twice (a job still queued gets its message again, in case the
        // first sender died before sending it): every delivery is made, and still one email arrives.
        var emailId = VideoNotifications.NotificationId(video.Id, JobStatus.Succeeded);
        var queued = (await fixture.Queues.GetQueueClient(QueueNames.HighPriority).PeekMessagesAsync(32)).Value
            .Count(m => m.Body.ToString().Contains(emailId, StringComparison.Ordinal));
        Assert.InRange(queued, 1, 2);

        for (var delivery = 1; delivery <= queued + 1; delivery++)
            await SendAsync(emailId, dequeueCount: delivery);
        await Task.Delay(500);
        var email = Assert.Single(await fixture.Mail.WaitForAsync(e => e.To == to));
        var emailJob = await fixture.JobAsync(emailId);
        Assert.Equal((JobStatus.Succeeded, 1), (emailJob.Status, emailJob.Attempts));
        Assert.Equal("Your video is ready", email.Subject);
        Assert.Contains($"/api/videos/{video.Id}/output", email.Text);
        Assert.Contains($"href=\"http://127.0.0.1:7071/api/videos/{video.Id}/output\"", email.Html);
    }

    [Fact]
    public async Task FailedVideoWithNotify_QueuesAVideoFailedEmailWithTheReason()
    {
        var to = Unique("unlucky");
        var noise = new byte[8192];
        Random.Shared.NextBytes(noise);
        var upload = await fixture.Services.GetRequiredService<UploadVideoHandler>()
            .HandleAsync(new UploadVideoCommand(TestCallers.Owner, new MemoryStream(noise), "video/mp4", null, to), CancellationToken.None);
        var video = Assert.IsType<UploadVideoResult.Accepted>(upload).Job;

        await fixture.Services.GetRequiredService<JobRunner>()
            .HandleAsync(new JobDelivery(QueueNames.HeavyCompute, JobMessage.For(video.Id).ToJson(), 1), CancellationToken.None);
        await SendAsync(VideoNotifications.NotificationId(video.Id, JobStatus.Failed));

        var email = Assert.Single(await fixture.Mail.WaitForAsync(e => e.To == to));
        Assert.Equal("Your video could not be processed", email.Subject);
        Assert.Contains("not a video", email.Text);
    }

    [Fact]
    public async Task Send_FailsAtOnce_WhenTheTemplateWasRemovedSinceTheEmailWasQueued()
    {
        // Queued by an instance that had the template; sent by one started without it (the folder was changed).
        var folder = Directory.CreateTempSubdirectory("offload-templates").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "farewell.json"), """{"variables": {"name": {"required": true}}}""");
        foreach (var part in new[] { "subject", "text", "html" })
            await File.WriteAllTextAsync(Path.Combine(folder, $"farewell.{part}.liquid"), "Goodbye {{ name }}");
        await using var before = fixture.CreateServices(new Dictionary<string, string?> { ["Email:TemplatesPath"] = folder });
        var to = Unique("farewell");
        var job = await QueueAsync(to, "farewell", new() { ["name"] = "Ada" }, before);

        await SendAsync(job.Id);

        var failed = await fixture.JobAsync(job.Id);
        Assert.Equal((JobStatus.Failed, 1), (failed.Status, failed.Attempts));
        Assert.Equal("The email template 'farewell' no longer exists: restore it, then retry the email.", failed.Error);
        Directory.Delete(folder, recursive: true);
    }
}
