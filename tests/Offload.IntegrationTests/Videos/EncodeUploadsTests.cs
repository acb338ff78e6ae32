using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using Offload.IntegrationTests.Infrastructure;
using Offload.Storage;
using Offload.Videos;

namespace Offload.IntegrationTests.Videos;

/// <summary>
/// An encode's uploads (<see cref="UploadBatch"/>) against real Azurite: the MP4 goes up while its pictures are made, and
/// they land all or none, whether an upload fails or the work between them does.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class EncodeUploadsTests(StorageFixture fixture)
{
    private BlobContainerClient Outputs => fixture.Blobs.GetBlobContainerClient(StorageNames.OutputsContainer);

    private string File(string name, int bytes)
    {
        Directory.CreateDirectory(fixture.WorkingDirectory);
        var path = Path.Combine(fixture.WorkingDirectory, $"{Guid.NewGuid():N}-{name}");
        System.IO.File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    private async Task<List<string>> LandedAsync(string prefix)
    {
        var names = new List<string>();
        await foreach (var blob in Outputs.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, CancellationToken.None))
            names.Add(blob.Name);
        return names;
    }

    [Fact]
    public async Task UploadsStartedApart_LandTogether_AndTheirDeleteRemovesAll()
    {
        var work = fixture.Services.GetRequiredService<EncodeWork>();
        var prefix = $"uploads-{Guid.NewGuid():N}/";
        await using var batch = work.BeginUploads(CancellationToken.None);
        batch.Start([new Upload(prefix + "output.mp4", File("output.mp4", 4 << 20), "video/mp4")]);
        batch.Start([new Upload(prefix + "poster.jpg", File("poster.jpg", 1000), "image/jpeg")]);
        var delete = await batch.CompleteAsync();

        Assert.Equal([prefix + "output.mp4", prefix + "poster.jpg"], await LandedAsync(prefix));
        Assert.Equal("video/mp4", (await Outputs.GetBlobClient(prefix + "output.mp4").GetPropertiesAsync()).Value.ContentType);

        await delete(); // a result that is discarded
        Assert.Empty(await LandedAsync(prefix));
    }

    [Fact]
    public async Task WorkFailingWhileAnUploadIsInFlight_LeavesNothing()
    {
        var work = fixture.Services.GetRequiredService<EncodeWork>();
        var prefix = $"uploads-{Guid.NewGuid():N}/";
        var pictures = async () =>
        {
            await using var batch = work.BeginUploads(CancellationToken.None);
            batch.Start([new Upload(prefix + "output.mp4", File("output.mp4", 8 << 20), "video/mp4")]);
            throw new EncodeFailedException("the pictures' ffmpeg failed"); // before the batch was completed
        };

        await Assert.ThrowsAsync<EncodeFailedException>(pictures);
        Assert.Empty(await LandedAsync(prefix));
    }

    [Fact]
    public async Task OneUploadFailing_DeletesThoseThatLanded_AndThrows()
    {
        var work = fixture.Services.GetRequiredService<EncodeWork>();
        var prefix = $"uploads-{Guid.NewGuid():N}/";
        await using var batch = work.BeginUploads(CancellationToken.None);
        batch.Start([new Upload(prefix + "output.mp4", File("output.mp4", 1 << 20), "video/mp4")]);
        await Task.Delay(200); // the MP4 has landed before the next file is found missing
        batch.Start([new Upload(prefix + "poster.jpg", Path.Combine(fixture.WorkingDirectory, "no-such-poster.jpg"), "image/jpeg")]);

        await Assert.ThrowsAnyAsync<IOException>(batch.CompleteAsync);
        Assert.Empty(await LandedAsync(prefix));
    }
}
