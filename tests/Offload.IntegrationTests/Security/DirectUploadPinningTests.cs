using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Offload.IntegrationTests.Infrastructure;
using Offload.Storage;
using Offload.Testing;

namespace Offload.IntegrationTests.Security;

/// <summary>
/// A direct upload is checked at submit, and what was checked is what gets encoded: a blob of another size than
/// declared is refused (and deleted), and writing the blob again through the upload link after the submit changes
/// nothing. The encode runs for real, on a worker that starts only after the overwrite, so the overwrite surely
/// comes before the encoder reads the source.
/// </summary>
public sealed class DirectUploadPinningTests : IAsyncLifetime
{
    private Azurite _azurite = null!;
    private ServerProcess _api = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        _api = await ServerProcess.StartAsync(_azurite.ConnectionString, Settings, true, "--queues", "none"); // takes uploads, encodes nothing
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private static Dictionary<string, string> Settings => new()
    {
        ["Email__SmtpPort"] = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Jobs__HeartbeatInterval"] = "00:00:00.250",
        ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.250",
    };

    private async Task<JsonElement> CreateUploadAsync(long sizeBytes)
    {
        using var created = await _api.Http.PostAsJsonAsync("/api/uploads", new { fileName = "clip.avi", contentType = "video/x-msvideo", sizeBytes });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return await created.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>PUT through the upload link, as curl does: the link's own power, nothing more.</summary>
    private static async Task<HttpStatusCode> PutThroughTheLinkAsync(JsonElement upload, byte[] bytes)
    {
        using var storage = new HttpClient(); // to Blob Storage, not to the server
        using var put = new HttpRequestMessage(HttpMethod.Put, upload.GetProperty("uploadUrl").GetString()) { Content = new ByteArrayContent(bytes) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        put.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("video/x-msvideo");
        using var response = await storage.SendAsync(put);
        return response.StatusCode;
    }

    private BlobClient SourceBlob(string id) =>
        new BlobServiceClient(_azurite.ConnectionString).GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(StorageNames.SourceBlobName(id));

    [Fact]
    public async Task OverwritingTheBlobThroughTheLinkAfterSubmit_DoesNotChangeWhatIsEncoded()
    {
        var original = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent));     // 320x240, no audio
        var swapped = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Portrait));    // 240x428, with audio
        var upload = await CreateUploadAsync(original.Length);
        var id = upload.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, await PutThroughTheLinkAsync(upload, original));

        using var submitted = await _api.Http.PostAsync(upload.GetProperty("submitUrl").GetString(), null);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);

        // The link still writes the blob (it cannot be revoked one by one), and the blob now holds another video.
        Assert.Equal(HttpStatusCode.Created, await PutThroughTheLinkAsync(upload, swapped));
        Assert.Equal(swapped.Length, (await SourceBlob(id).GetPropertiesAsync()).Value.ContentLength);

        await using var worker = await ServerProcess.StartAsync(_azurite.ConnectionString, Settings, true, "--queues", "heavy-compute");
        var job = await _api.WaitForFinalAsync($"/api/videos/{id}", TimeSpan.FromSeconds(90));

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(original.Length, job.GetProperty("source").GetProperty("sizeBytes").GetInt64());
        using var redirect = await _api.Http.GetAsync($"/api/videos/{id}/output");
        using var storage = new HttpClient();
        var mp4 = Path.Combine(Path.GetTempPath(), $"offload-pinned-{id}.mp4");
        await File.WriteAllBytesAsync(mp4, await storage.GetByteArrayAsync(redirect.Headers.Location));
        try
        {
            var facts = await Ffmpeg.ProbeAsync(mp4);
            Assert.Equal((320, 240, (string?)null), (facts.Width, facts.Height, facts.AudioCodec)); // the original, not the swap
            Assert.InRange(facts.DurationSeconds, 2.9, 3.1);
        }
        finally
        {
            File.Delete(mp4);
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(+1)]
    public async Task ABlobOfAnotherSizeThanDeclared_Is409_AndDeleted(int difference)
    {
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent));
        var upload = await CreateUploadAsync(clip.Length + difference);
        var id = upload.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, await PutThroughTheLinkAsync(upload, clip));

        using var submitted = await _api.Http.PostAsync(upload.GetProperty("submitUrl").GetString(), null);

        var problem = await Api.AssertProblemAsync(submitted, HttpStatusCode.Conflict);
        Assert.Contains("size declared", problem.GetProperty("title").GetString());
        Assert.Equal((clip.Length + difference, clip.Length), (problem.GetProperty("declaredBytes").GetInt64(), problem.GetProperty("sizeBytes").GetInt64()));
        Assert.False((await SourceBlob(id).ExistsAsync()).Value);
        using var noJob = await _api.Http.GetAsync($"/api/videos/{id}");
        Assert.Equal(HttpStatusCode.NotFound, noJob.StatusCode);

        // The same link may try again with the right bytes.
        Assert.Equal(HttpStatusCode.Created, await PutThroughTheLinkAsync(upload, clip[..(clip.Length + Math.Min(difference, 0))].Concat(new byte[Math.Max(difference, 0)]).ToArray()));
        using var again = await _api.Http.PostAsync(upload.GetProperty("submitUrl").GetString(), null);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
    }
}
