using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Server;

/// <summary>The README's direct-upload flow over HTTP: ask for a link, PUT the file to Blob Storage, submit, poll.</summary>
[Collection(ServerCollection.Name)]
public sealed class DirectUploadEndToEndTests(ServerFixture fixture)
{
    [Fact]
    public async Task DirectUpload_WithPlainHttp_EndsAsAPlayableMp4()
    {
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent));
        using var created = await fixture.Http.PostAsJsonAsync("/api/uploads", new { fileName = "big.avi", contentType = "video/x-msvideo", sizeBytes = clip.Length });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var upload = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = upload.GetProperty("id").GetString()!;
        Assert.True(upload.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(5));

        // curl -X PUT -H 'x-ms-blob-type: BlockBlob' --data-binary @big.avi "$uploadUrl"
        using var storage = new HttpClient();
        using var put = new HttpRequestMessage(HttpMethod.Put, upload.GetProperty("uploadUrl").GetString()) { Content = new ByteArrayContent(clip) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        put.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("video/x-msvideo");
        using var stored = await storage.SendAsync(put);
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);

        using var submitted = await fixture.Http.PostAsync(upload.GetProperty("submitUrl").GetString(), null);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.Equal($"/api/videos/{id}", submitted.Headers.Location?.OriginalString);

        var job = await fixture.Server.WaitForFinalAsync($"/api/videos/{id}", TimeSpan.FromSeconds(90));
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("big.avi", job.GetProperty("source").GetProperty("fileName").GetString());
        Assert.Equal("h264", job.GetProperty("output").GetProperty("videoCodec").GetString());
    }

    [Fact]
    public async Task Uploads_AnswerProblemJson_ForBadRequests()
    {
        using var tooLarge = await fixture.Http.PostAsJsonAsync("/api/uploads", new { fileName = "x.mp4", contentType = "video/mp4", sizeBytes = 64L * 1024 * 1024 * 1024 });
        await Api.AssertProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge);

        using var early = await fixture.Http.PostAsJsonAsync("/api/uploads", new { fileName = "x.mp4", contentType = "video/mp4", sizeBytes = 10 });
        var id = (await early.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var notYet = await fixture.Http.PostAsync($"/api/videos/{id}/submit", null);
        Assert.Equal(HttpStatusCode.Conflict, notYet.StatusCode);

        using var unknown = await fixture.Http.PostAsync("/api/videos/0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3/submit", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
