using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.DependencyInjection;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;
using Offload.Testing;
using Offload.Uploads;
using Offload.Videos;

namespace Offload.IntegrationTests.Uploads;

/// <summary>Large sources go from the client straight to Blob Storage with a write-only SAS, then are submitted.</summary>
[Collection(StorageCollection.Name)]
public sealed class DirectUploadTests(StorageFixture fixture)
{
    private static CreateUploadCommand Video(long size) => new(TestCallers.Owner, "holiday.mov", "video/quicktime", size, null);

    private async Task<CreateUploadResult.Created> CreateAsync(long size = 1024, IServiceProvider? services = null) =>
        Assert.IsType<CreateUploadResult.Created>(await (services ?? fixture.Services).GetRequiredService<CreateUploadHandler>()
            .HandleAsync(Video(size), CancellationToken.None));

    private Task<SubmitUploadResult> SubmitAsync(string id, IServiceProvider? services = null) =>
        (services ?? fixture.Services).GetRequiredService<SubmitUploadHandler>().HandleAsync(TestCallers.Owner, id, CancellationToken.None);

    private static Task UploadWithSasAsync(Uri sas, Stream content) =>
        new BlobClient(sas).UploadAsync(content, new Azure.Storage.Blobs.Models.BlobUploadOptions
        {
            TransferOptions = new Azure.Storage.StorageTransferOptions { InitialTransferSize = 256 * 1024, MaximumTransferSize = 256 * 1024, MaximumConcurrency = 4 },
        });

    private static Uri OtherBlob(Uri sas, string name)
    {
        var builder = new BlobUriBuilder(sas) { BlobName = name };
        return builder.ToUri();
    }

    [Fact]
    public async Task UploadLink_WritesExactlyThatBlobAndNothingElse()
    {
        var upload = await CreateAsync();
        var sas = upload.UploadUrl;

        await UploadWithSasAsync(sas, new MemoryStream(new byte[300 * 1024])); // several blocks, committed

        Assert.Equal(300 * 1024, (await fixture.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(upload.Id).GetPropertiesAsync()).Value.ContentLength);
        var other = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(OtherBlob(sas, JobId.New())).UploadAsync(new BinaryData(new byte[10])));
        Assert.Equal(403, other.Status);
        Assert.Equal(403, (await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(sas).DownloadContentAsync())).Status);
        Assert.Equal(403, (await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(sas).DeleteAsync())).Status);
        var container = new BlobContainerClient(new BlobUriBuilder(sas) { BlobName = "" }.ToUri());
        var list = await Assert.ThrowsAsync<RequestFailedException>(async () =>
        {
            await foreach (var _ in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, CancellationToken.None))
            {
            }
        });
        Assert.Equal(403, list.Status);
    }

    [Fact]
    public async Task UploadLink_StopsWorkingWhenItExpires()
    {
        await using var past = fixture.CreateServices(configure: s => s.AddSingleton<TimeProvider>(new ShiftedTime(TimeSpan.FromHours(-2))));
        var upload = await CreateAsync(services: past);

        Assert.True(upload.ExpiresAt < DateTimeOffset.UtcNow);
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(upload.UploadUrl).UploadAsync(new BinaryData(new byte[10])));
        Assert.Equal(403, error.Status);
    }

    [Fact]
    public async Task Create_RefusesADeclaredSizeOverTheLimit_BeforeAnyUpload()
    {
        var result = await fixture.Services.GetRequiredService<CreateUploadHandler>().HandleAsync(Video(21L * 1024 * 1024 * 1024), CancellationToken.None);

        Assert.Equal(20L * 1024 * 1024 * 1024, Assert.IsType<CreateUploadResult.TooLarge>(result).MaxBytes);
    }

    [Theory]
    [InlineData(null, "video/mp4", "sizeBytes")]
    [InlineData(0L, "video/mp4", "sizeBytes")]
    [InlineData(10L, "text/plain", "contentType")]
    [InlineData(10L, null, "contentType")]
    public async Task Create_NamesTheFieldAtFault(long? size, string? contentType, string field)
    {
        var result = await fixture.Services.GetRequiredService<CreateUploadHandler>()
            .HandleAsync(new CreateUploadCommand(TestCallers.Owner, "a.mp4", contentType, size, null), CancellationToken.None);

        Assert.Equal(field, Assert.IsType<CreateUploadResult.Invalid>(result).Field);
    }

    [Fact]
    public async Task Submit_BeforeTheUpload_SaysItIsNotUploaded_AndAnUnknownIdIsNotFound()
    {
        var upload = await CreateAsync();

        Assert.IsType<SubmitUploadResult.NotUploaded>(await SubmitAsync(upload.Id));
        Assert.IsType<SubmitUploadResult.NoSuchUpload>(await SubmitAsync(JobId.New()));
    }

    [Fact]
    public async Task Submit_WithOnlyUncommittedBlocks_SaysItIsNotUploaded()
    {
        var upload = await CreateAsync();
        var blocks = new BlockBlobClient(upload.UploadUrl);
        await blocks.StageBlockAsync(Convert.ToBase64String("block-0001"u8.ToArray()), new MemoryStream(new byte[1024]));

        Assert.IsType<SubmitUploadResult.NotUploaded>(await SubmitAsync(upload.Id));
    }

    [Fact]
    public async Task Submit_OfAnOversizeUpload_DeletesItAndSaysSo()
    {
        await using var small = fixture.CreateServices(new Dictionary<string, string?> { ["Videos:MaxSourceBytes"] = "1000" });
        var upload = await CreateAsync(size: 900, services: small);
        await UploadWithSasAsync(upload.UploadUrl, new MemoryStream(new byte[5000])); // more than it declared

        var result = await SubmitAsync(upload.Id, small);

        Assert.Equal((1000, 5000), Assert.IsType<SubmitUploadResult.TooLarge>(result) is var r ? (r.MaxBytes, r.SizeBytes) : default);
        Assert.False((await fixture.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(upload.Id).ExistsAsync()).Value);
    }

    [Fact]
    public async Task DirectUpload_BecomesAPlayableMp4_AndSubmittingTwiceReturnsTheSameJob()
    {
        var clip = await TestClips.PathOf(Clip.WithAudio);
        var upload = await CreateAsync(new FileInfo(clip).Length);
        await using (var file = File.OpenRead(clip))
            await UploadWithSasAsync(upload.UploadUrl, file);

        await fixture.ClearQueuesAsync();
        var first = Assert.IsType<SubmitUploadResult.Accepted>(await SubmitAsync(upload.Id)).Job;
        var second = Assert.IsType<SubmitUploadResult.Accepted>(await SubmitAsync(upload.Id)).Job;

        Assert.Equal(upload.Id, first.Id);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(("holiday.mov", "video/quicktime", new FileInfo(clip).Length), (first.PayloadAs<VideoPayload>()!.FileName, first.PayloadAs<VideoPayload>()!.ContentType, first.PayloadAs<VideoPayload>()!.SizeBytes));
        var messages = (await fixture.Queues.GetQueueClient(QueueNames.HeavyCompute).PeekMessagesAsync(32)).Value
            .Count(m => m.Body.ToString().Contains(upload.Id, StringComparison.Ordinal));
        Assert.Equal(1, messages);

        await fixture.Services.GetRequiredService<JobRunner>()
            .HandleAsync(new JobDelivery(QueueNames.HeavyCompute, JobMessage.For(upload.Id).ToJson(), 1), CancellationToken.None);
        var done = await fixture.Services.GetRequiredService<JobStore>().GetAsync(upload.Id, CancellationToken.None);
        Assert.Equal(JobStatus.Succeeded, done!.Status);
    }

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
