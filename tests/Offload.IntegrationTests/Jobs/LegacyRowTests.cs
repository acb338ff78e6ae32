using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;
using Offload.Testing;
using Offload.Videos;

namespace Offload.IntegrationTests.Jobs;

/// <summary>
/// Rows stored by the version before payloads, with each kind's own columns: they still show, download and run as
/// they did, and take the new shape at their next write. Nothing stored before an upgrade is lost by it.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class LegacyRowTests(StorageFixture fixture)
{
    private static TableEntity Row(string id, string kind, string status, DateTimeOffset now) => new(id, Job.LegacyRowKey)
    {
        ["Kind"] = kind,
        ["Status"] = status,
        ["Owner"] = TestCallers.Owner.OwnerId,
        ["CreatedAt"] = now,
        ["UpdatedAt"] = now,
        ["EventCount"] = 1,
    };

    private async Task StoreAsync(TableEntity row)
    {
        await fixture.Services.GetRequiredService<ActiveJobs>().AddAsync(row.PartitionKey, row.GetString("Kind"), 0, CancellationToken.None);
        await fixture.Tables.GetTableClient(StorageNames.JobsTable).AddEntityAsync(row);
    }

    [Fact]
    public async Task ASucceededVideoRow_ShowsItsSourceAndOutput_AndServesItsOwnBlob()
    {
        var id = JobId.New();
        var row = Row(id, VideoJob.Kind, JobStatus.Succeeded, fixture.Jobs.Now);
        row["SourceFileName"] = "holiday.mov";
        row["SourceContentType"] = "video/quicktime";
        row["SourceSizeBytes"] = 123456L;
        row["OutputBlobName"] = $"{id}/0123456789abcdef0123456789abcdef.mp4";
        row["OutputSizeBytes"] = 654321L;
        row["OutputDurationSeconds"] = 3.2;
        row["OutputWidth"] = 640;
        row["OutputHeight"] = 360;
        row["OutputVideoCodec"] = "h264";
        row["OutputAudioCodec"] = "aac";
        await StoreAsync(row);
        await fixture.Blobs.GetBlobContainerClient(StorageNames.OutputsContainer).GetBlobClient(row.GetString("OutputBlobName"))
            .UploadAsync(BinaryData.FromString("not really a video"));

        var view = await fixture.Services.GetRequiredService<GetVideoHandler>().HandleAsync(TestCallers.Owner, id, CancellationToken.None);
        var link = await fixture.Services.GetRequiredService<GetVideoOutputHandler>().HandleAsync(TestCallers.Owner, id, CancellationToken.None);

        Assert.Equal(new VideoSourceView("holiday.mov", "video/quicktime", 123456), view!.Source);
        Assert.Equal((654321L, 640, 360, "h264", "aac"), (view.Output!.SizeBytes, view.Output.Width, view.Output.Height, view.Output.VideoCodec, view.Output.AudioCodec));
        Assert.Contains($"/{StorageNames.OutputsContainer}/{id}/0123456789abcdef0123456789abcdef.mp4?",
            Assert.IsType<GetVideoOutputResult.Ready>(link).DownloadUrl.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AQueuedEmailRow_IsSent_AndTakesTheNewShapeWithItsFirstWrite()
    {
        var id = JobId.New();
        var to = $"legacy-{id[..8]}@example.com";
        var row = Row(id, Offload.Email.EmailJob.Kind, JobStatus.Queued, fixture.Jobs.Now);
        row["EmailTo"] = to;
        row["EmailTemplate"] = "welcome";
        row["EmailModel"] = """{"name":"Grace"}""";
        await StoreAsync(row);

        await fixture.Services.GetRequiredService<JobRunner>()
            .HandleAsync(new JobDelivery(QueueNames.HighPriority, JobMessage.For(id).ToJson(), 1), CancellationToken.None);

        var email = Assert.Single(await fixture.Mail.WaitForAsync(e => e.To == to));
        Assert.Contains("Grace", email.Subject, StringComparison.Ordinal);
        var stored = (await fixture.Tables.GetTableClient(StorageNames.JobsTable).GetEntityAsync<TableEntity>(id, Job.LegacyRowKey)).Value;
        Assert.Equal(JobStatus.Succeeded, stored.GetString("Status"));
        Assert.Contains(to, stored.GetString("Payload"), StringComparison.Ordinal);
        Assert.False(stored.ContainsKey("EmailTo")); // replaced, not merged: one shape per row
    }
}
