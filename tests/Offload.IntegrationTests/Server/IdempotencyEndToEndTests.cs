using System.Net;
using System.Net.Http.Json;
using Azure.Storage.Blobs;
using Offload.IntegrationTests.Infrastructure;
using Offload.Storage;
using Offload.Testing;

namespace Offload.IntegrationTests.Server;

/// <summary>The Idempotency-Key header on POST /api/videos and POST /api/emails, over HTTP against the server process.</summary>
[Collection(ServerCollection.Name)]
public sealed class IdempotencyEndToEndTests(ServerFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private static string NewKey() => $"test-{Guid.NewGuid()}";

    private static HttpRequestMessage PostVideo(byte[] body, string key, string query = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/videos{query}") { Content = Api.Video(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private static HttpRequestMessage PostEmail(object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/emails") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private static Task<string> IdOfAsync(HttpResponseMessage response) => response.AcceptedIdAsync();

    private static bool Replayed(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";

    private async Task<int> StoredSourcesAsync()
    {
        var count = 0;
        await foreach (var _ in new BlobServiceClient(fixture.Azurite.ConnectionString).GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobsAsync())
            count++;
        return count;
    }

    [Fact]
    public async Task Video_SentTwiceWithOneKey_IsOneJob_AndTheSecondStoresNothing()
    {
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent));
        var key = NewKey();

        using var first = await Http.SendAsync(PostVideo(clip, key));
        var id = await IdOfAsync(first);
        var sources = await StoredSourcesAsync();
        using var second = await Http.SendAsync(PostVideo(clip, key));

        Assert.Equal(id, await IdOfAsync(second));
        Assert.False(Replayed(first));
        Assert.True(Replayed(second));
        Assert.Equal($"/api/videos/{id}", second.Headers.Location?.OriginalString);
        Assert.Equal(sources, await StoredSourcesAsync());
        var job = await fixture.Server.WaitForFinalAsync($"/api/videos/{id}");
        Assert.Equal(("succeeded", 1), (job.GetProperty("status").GetString(), job.GetProperty("attempts").GetInt32()));
        Assert.Equal(1, job.GetProperty("events").EnumerateArray().Count(e => e.GetProperty("status").GetString() == "queued"));
    }

    [Fact]
    public async Task Video_SentTwiceAtTheSameTimeWithOneKey_IsStillOneJob()
    {
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent));
        var key = NewKey();
        var sources = await StoredSourcesAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Http.SendAsync(PostVideo(clip, key))));

        var ids = await Task.WhenAll(responses.Select(IdOfAsync));
        Assert.Single(ids.Distinct());
        Assert.Equal(3, responses.Count(Replayed));
        Assert.Equal(sources + 1, await StoredSourcesAsync()); // the others' bytes were deleted
        Assert.Equal("succeeded", (await fixture.Server.WaitForFinalAsync($"/api/videos/{ids[0]}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Video_WithAKeyUsedForADifferentRequest_Answers422()
    {
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent));
        var key = NewKey();
        await IdOfAsync(await Http.SendAsync(PostVideo(clip, key)));

        var otherBytes = clip.ToArray();
        otherBytes[^1] ^= 0xff;
        using var differentBody = await Http.SendAsync(PostVideo(otherBytes, key));
        using var differentNotify = await Http.SendAsync(PostVideo(clip, key, "?notify=someone%40example.com"));

        var problem = await Api.AssertProblemAsync(differentBody, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Idempotency-Key", problem.GetProperty("title").GetString());
        await Api.AssertProblemAsync(differentNotify, HttpStatusCode.UnprocessableEntity);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a key with a tab\tin it")]
    public async Task Video_WithAMalformedKey_Answers400(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/videos") { Content = Api.Video([1, 2, 3], "video/mp4") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        await Api.AssertProblemAsync(await Http.SendAsync(request), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Video_WithATooLongKey_Answers400()
    {
        using var response = await Http.SendAsync(PostVideo([1, 2, 3], new string('k', 256)));

        await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Email_SentTwiceWithOneKey_IsOneJobAndOneEmail_AndADifferentRequestAnswers422()
    {
        var to = $"idem-{Guid.NewGuid():N}@example.com";
        var key = NewKey();
        var email = new { to, template = "welcome", model = new { name = "Ada" } };

        using var first = await Http.SendAsync(PostEmail(email, key));
        using var second = await Http.SendAsync(PostEmail(new { template = "welcome", model = new { name = "Ada" }, to }, key)); // same request, other order
        using var different = await Http.SendAsync(PostEmail(new { to, template = "welcome", model = new { name = "Bo" } }, key));

        var id = await IdOfAsync(first);
        Assert.Equal(id, await IdOfAsync(second));
        Assert.True(Replayed(second));
        await Api.AssertProblemAsync(different, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("succeeded", (await fixture.Server.WaitForFinalAsync($"/api/emails/{id}")).GetProperty("status").GetString());
        await Task.Delay(1000);
        Assert.Single(await fixture.Mail.ReceivedAsync(), e => e.To == to);
    }

    [Fact]
    public async Task Keys_AreSeparatePerEndpoint()
    {
        var key = NewKey();
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent));

        var video = await IdOfAsync(await Http.SendAsync(PostVideo(clip, key)));
        var email = await IdOfAsync(await Http.SendAsync(PostEmail(new { to = "a@example.com", template = "welcome", model = new { name = "A" } }, key)));

        Assert.NotEqual(video, email);
        await fixture.Server.WaitForFinalAsync($"/api/videos/{video}");
    }
}
