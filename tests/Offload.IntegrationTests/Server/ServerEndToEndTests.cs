using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;
using Offload.Videos;

namespace Offload.IntegrationTests.Server;

/// <summary>
/// Offload.Server as a user meets it: a separate process on a loopback port, its own Azurite, the WebJobs queue
/// listener doing the work. Everything goes over real HTTP.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ServerEndToEndTests(ServerFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private async Task<HttpResponseMessage> PostVideoAsync(HttpContent content, string query = "") =>
        await Http.PostAsync($"/api/videos{query}", content);

    private static ByteArrayContent Bytes(byte[] bytes, string contentType) => Api.Video(bytes, contentType);

    private async Task<string> UploadAsync(Clip clip)
    {
        using var response = await Http.PostVideoAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(clip)));
        return await response.AcceptedIdAsync();
    }

    private Task<JsonElement> WaitForFinalAsync(string id, TimeSpan? timeout = null) =>
        fixture.Server.WaitForFinalAsync($"/api/videos/{id}", timeout);

    private static Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected) =>
        Api.AssertProblemAsync(response, expected);

    [Fact]
    public async Task Video_GoesFromUploadToAPlayableMp4()
    {
        var source = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.WithAudio));
        using var response = await PostVideoAsync(Bytes(source, "video/x-msvideo"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = accepted.GetProperty("id").GetString()!;
        Assert.Equal("queued", accepted.GetProperty("status").GetString());
        Assert.Equal($"/api/videos/{id}", accepted.GetProperty("statusUrl").GetString());
        Assert.Equal($"/api/videos/{id}", response.Headers.Location?.OriginalString);

        var job = await WaitForFinalAsync(id);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(100, job.GetProperty("progress").GetInt32());
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        Assert.False(job.TryGetProperty("error", out _));
        Assert.Equal(source.Length, job.GetProperty("source").GetProperty("sizeBytes").GetInt64());
        var output = job.GetProperty("output");
        Assert.Equal($"/api/videos/{id}/output", output.GetProperty("url").GetString());

        // curl -L -o out.mp4: a redirect to a read-only link, then the bytes.
        using var redirect = await Http.GetAsync($"/api/videos/{id}/output");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        using var storage = new HttpClient();
        var mp4 = await storage.GetByteArrayAsync(redirect.Headers.Location);
        var path = Path.Combine(Path.GetTempPath(), $"offload-e2e-{id}.mp4");
        await File.WriteAllBytesAsync(path, mp4);
        try
        {
            var facts = await Ffmpeg.ProbeAsync(path);
            Assert.Equal(("h264", "yuv420p", "aac"), (facts.VideoCodec, facts.PixelFormat, facts.AudioCodec));
            Assert.True(facts.MoovBeforeMdat);
            Assert.InRange(facts.DurationSeconds, 2.5, 3.5);
            Assert.Equal(mp4.Length, output.GetProperty("sizeBytes").GetInt64());
        }
        finally
        {
            File.Delete(path);
        }

        await AssertPicturesServedAsync(id, output);
    }

    /// <summary>The poster, a thumbnail and the sprite by redirect; the storyboard's WebVTT, whose sprite link works without a key.</summary>
    private async Task AssertPicturesServedAsync(string id, JsonElement output)
    {
        var poster = output.GetProperty("poster");
        Assert.Equal($"/api/videos/{id}/poster", poster.GetProperty("url").GetString());
        var posterFacts = await DownloadImageAsync(poster.GetProperty("url").GetString()!);
        Assert.Equal(("mjpeg", 320, 240), posterFacts);
        var thumbnails = output.GetProperty("thumbnails").EnumerateArray().ToList();
        Assert.Equal(2, thumbnails.Count); // 3 s: the keyframes at 0 and 2 s
        Assert.Equal($"/api/videos/{id}/pictures/thumbnail-1.jpg", thumbnails[0].GetProperty("url").GetString());
        Assert.Equal(320, (await DownloadImageAsync(thumbnails[0].GetProperty("url").GetString()!)).Width);
        Assert.Equal(0, thumbnails[0].GetProperty("atSeconds").GetDouble());

        var storyboard = output.GetProperty("storyboard");
        var sprite = await DownloadImageAsync(storyboard.GetProperty("imageUrl").GetString()!);
        Assert.Equal(storyboard.GetProperty("columns").GetInt32() * storyboard.GetProperty("tileWidth").GetInt32(), sprite.Width);
        using var vtt = await Http.GetAsync(storyboard.GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.OK, vtt.StatusCode);
        Assert.Equal("text/vtt", vtt.Content.Headers.ContentType?.MediaType);
        Assert.True(vtt.Headers.CacheControl is { Private: true, NoStore: true }, "the WebVTT holds a read link: no cache keeps it");
        var cues = (await vtt.Content.ReadAsStringAsync()).Split("\n\n").Skip(1).ToList();
        Assert.Equal(storyboard.GetProperty("tiles").GetInt32(), cues.Count);
        Assert.StartsWith("00:00:00.000 --> 00:00:02.000\n", cues[0]);
        var spriteUrl = cues[0].Split('\n')[1].Split('#')[0];
        using var storage = new HttpClient(); // no key: the link alone, as a player fetches the tiles
        Assert.Equal((await DownloadImageAsync(storyboard.GetProperty("imageUrl").GetString()!)).Height,
            (await Ffmpeg.ProbeImageAsync(await SaveAsync(await storage.GetByteArrayAsync(spriteUrl), "jpg"))).Height);

        await AssertProblemAsync(await Http.GetAsync($"/api/videos/{id}/pictures/thumbnail-9.jpg"), HttpStatusCode.NotFound);
    }

    private async Task<(string Codec, int Width, int Height)> DownloadImageAsync(string url)
    {
        using var redirect = await Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        using var storage = new HttpClient();
        using var image = await storage.GetAsync(redirect.Headers.Location);
        Assert.Equal("image/jpeg", image.Content.Headers.ContentType?.MediaType);
        return await Ffmpeg.ProbeImageAsync(await SaveAsync(await image.Content.ReadAsByteArrayAsync(), "jpg"));
    }

    private static async Task<string> SaveAsync(byte[] bytes, string extension)
    {
        var path = Path.Combine(Path.GetTempPath(), $"offload-e2e-{Guid.NewGuid():N}.{extension}");
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }

    [Fact]
    public async Task Output_PlaysInChromium_WhereTheSourceDoesNot()
    {
        var source = await TestClips.PathOf(Clip.WithAudio); // MPEG-4 Part 2 + MP3 in AVI
        var id = await UploadAsync(Clip.WithAudio);
        Assert.Equal("succeeded", (await WaitForFinalAsync(id)).GetProperty("status").GetString());

        // As a web app does it: its backend asks for the output with its key and hands the browser the short-lived link.
        using var output = await Http.GetAsync($"/api/videos/{id}/output");
        Assert.Equal(System.Net.HttpStatusCode.Redirect, output.StatusCode);
        var played = await Chromium.TryPlayAsync(new Dictionary<string, string>
        {
            ["output"] = output.Headers.Location!.AbsoluteUri,
            ["source"] = new Uri(source).AbsoluteUri,
        });

        Assert.StartsWith("decoded 320x240 3.0", played.GetValueOrDefault("output"));
        Assert.StartsWith("error", played.GetValueOrDefault("source"));
    }

    [Fact]
    public async Task Storyboard_ReadsInChromium_AsAPlayersTrack_WithItsSpriteAndPoster()
    {
        var id = await UploadAsync(Clip.WithAudio); // 3 s: tiles at 0 and 2 s
        Assert.Equal("succeeded", (await WaitForFinalAsync(id)).GetProperty("status").GetString());

        // As a web app does it: its backend fetches the WebVTT and the links with its key; the browser gets no key.
        var vtt = await Http.GetStringAsync($"/api/videos/{id}/pictures/storyboard.vtt");
        using var video = await Http.GetAsync($"/api/videos/{id}/output");
        using var poster = await Http.GetAsync($"/api/videos/{id}/poster");
        var read = await Chromium.ReadStoryboardAsync(video.Headers.Location!.AbsoluteUri, poster.Headers.Location!.AbsoluteUri, vtt);

        Assert.Matches(@"^decoded 2 0-2 2-3\.\d+ xywh=0,0,160,120$", read.GetValueOrDefault("cues"));
        Assert.Equal("decoded 320x120", read.GetValueOrDefault("sprite"));
        Assert.Equal("decoded 320x240", read.GetValueOrDefault("poster"));
    }

    [Fact]
    public async Task Video_CanBeSentAsMultipartFormData()
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("ignored"), "title");
        form.Add(Bytes(await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent)), "video/x-msvideo"), "file", "holiday clip.avi");

        using var response = await PostVideoAsync(form, "?notify=someone%40example.com");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var job = await WaitForFinalAsync(id);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("holiday clip.avi", job.GetProperty("source").GetProperty("fileName").GetString());
        Assert.Equal("video/x-msvideo", job.GetProperty("source").GetProperty("contentType").GetString());
    }

    [Fact]
    public async Task Upload_RefusesAnEmptyBody() =>
        await AssertProblemAsync(await PostVideoAsync(Bytes([], "video/mp4")), HttpStatusCode.BadRequest);

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData("image/png")]
    public async Task Upload_RefusesOtherMediaTypes(string contentType) =>
        await AssertProblemAsync(await PostVideoAsync(Bytes([1, 2, 3], contentType)), HttpStatusCode.UnsupportedMediaType);

    [Fact]
    public async Task Upload_RefusesAMultipartBodyWithoutAFileField()
    {
        using var form = new MultipartFormDataContent { { new StringContent("x"), "title" } };
        await AssertProblemAsync(await PostVideoAsync(form), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Upload_RefusesAnInvalidNotifyAddress() =>
        await AssertProblemAsync(await PostVideoAsync(Bytes([1, 2, 3], "video/mp4"), "?notify=not-an-address"), HttpStatusCode.BadRequest);

    [Fact]
    public async Task Upload_RefusesABodyOverTheLimit_WhenItsLengthIsDeclared()
    {
        var response = await PostVideoAsync(Bytes(new byte[ServerFixture.MaxUploadBytes + 1], "video/mp4"));
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Upload_RefusesABodyOverTheLimit_WhenItIsStreamedWithoutALength()
    {
        var content = new StreamContent(new GeneratedStream(ServerFixture.MaxUploadBytes + 1024 * 1024));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("video/mp4");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/videos") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        await AssertProblemAsync(await Http.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task RandomBytesSentAsVideo_EndFailedWithAReason_AndTheServerKeepsWorking()
    {
        var noise = new byte[300 * 1024];
        Random.Shared.NextBytes(noise);
        using var response = await PostVideoAsync(Bytes(noise, "video/mp4"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var badId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var bad = await WaitForFinalAsync(badId);
        Assert.Equal("failed", bad.GetProperty("status").GetString());
        Assert.Contains("not a video", bad.GetProperty("error").GetString());
        Assert.Equal(1, bad.GetProperty("attempts").GetInt32()); // no retry storm
        Assert.False(bad.TryGetProperty("output", out _));

        var good = await WaitForFinalAsync(await UploadAsync(Clip.Silent));
        Assert.Equal("succeeded", good.GetProperty("status").GetString());
    }

    [Fact]
    public async Task MessageOnThePoisonQueue_EndsItsJobFailed()
    {
        // A job whose message died without its worker ever recording why (e.g. the listener gave up on it).
        var storage = new Azure.Data.Tables.TableServiceClient(fixture.Azurite.ConnectionString).GetTableClient("jobs");
        var id = Offload.Jobs.JobId.New();
        await storage.AddEntityAsync(TestJobs.New(id, Offload.Videos.VideoJob.Kind, ServerProcess.AdminOwner, DateTimeOffset.UtcNow));
        var poison = new Azure.Storage.Queues.QueueClient(fixture.Azurite.ConnectionString, "heavy-compute-poison",
            new Azure.Storage.Queues.QueueClientOptions { MessageEncoding = Azure.Storage.Queues.QueueMessageEncoding.Base64 });

        await poison.SendMessageAsync(Offload.Messaging.JobMessage.For(id).ToJson());

        var job = await WaitForFinalAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("heavy-compute-poison", job.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Get_Answers404ForAnUnknownId_And400ForAMalformedOne()
    {
        await AssertProblemAsync(await Http.GetAsync("/api/videos/0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Http.GetAsync("/api/videos/not-a-job"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await Http.GetAsync("/api/videos/0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3/output"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Http.GetAsync("/api/videos/not-a-job/output"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await Http.GetAsync("/api/videos/0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3/poster"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Http.GetAsync("/api/videos/not-a-job/pictures/storyboard.vtt"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Output_Answers409UntilTheJobHasSucceeded()
    {
        var id = await UploadAsync(Clip.Long);

        var early = await Http.GetAsync($"/api/videos/{id}/output");
        var earlyPoster = await Http.GetAsync($"/api/videos/{id}/poster");

        await AssertProblemAsync(early, HttpStatusCode.Conflict);
        await AssertProblemAsync(earlyPoster, HttpStatusCode.Conflict);
        await WaitForFinalAsync(id);
    }

    [Fact]
    public async Task Health_ReportsStorageAndFfmpeg()
    {
        using var response = await Http.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        foreach (var service in new[] { "blobs", "queues", "tables" })
            Assert.Equal("ok", health.GetProperty("storage").GetProperty(service).GetString());
        Assert.Matches(@"^\d+\.\d+", health.GetProperty("ffmpeg").GetString());
    }

    [Fact]
    public async Task Server_Answers503_WhenStorageIsUnreachable_AndKeepsRunning()
    {
        var closedPort = ServerProcess.FreePort();
        var nowhere = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
                      $"BlobEndpoint=http://127.0.0.1:{closedPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{closedPort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{closedPort}/devstoreaccount1;";
        await using var server = await ServerProcess.StartAsync(nowhere, waitForHealthy: false);

        using var response = await server.Http.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unhealthy", health.GetProperty("status").GetString());
        Assert.Equal("unreachable", health.GetProperty("storage").GetProperty("blobs").GetString());
        Assert.DoesNotContain("AccountKey", await response.Content.ReadAsStringAsync());

        using var upload = await server.Http.PostAsync("/api/videos", Bytes([1, 2, 3], "video/mp4"));
        await AssertProblemAsync(upload, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(upload.Headers.RetryAfter);
        await AssertProblemAsync(await server.Http.GetAsync("/api/videos/0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3"), HttpStatusCode.ServiceUnavailable);
        Assert.DoesNotContain("AccountKey", server.Output.Text);
    }

    [Fact]
    public async Task UnknownRoutes_AnswerProblemJson()
    {
        await AssertProblemAsync(await Http.GetAsync("/api/nothing-here"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await Http.DeleteAsync("/api/health"), HttpStatusCode.MethodNotAllowed);
    }
}
