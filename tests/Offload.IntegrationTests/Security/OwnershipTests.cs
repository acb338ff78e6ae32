using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.Access;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Security;

/// <summary>
/// Whose job is it: a caller sees only its own jobs and uploads; another owner's id answers exactly like an unknown
/// one; an admin sees everything; Idempotency-Keys are per owner.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class OwnershipTests(ServerFixture fixture) : IAsyncLifetime
{
    private HttpClient _alice = null!;
    private HttpClient _mallory = null!;

    public async Task InitializeAsync()
    {
        _alice = fixture.Server.Client((await fixture.Server.CreateKeyAsync(Scopes.Videos, Scopes.Emails)).Key);
        _mallory = fixture.Server.Client((await fixture.Server.CreateKeyAsync(Scopes.Videos, Scopes.Emails)).Key);
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        _mallory.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Asserts 404 with the very body an unknown id of the same route gets (the id swapped), so nothing leaks.</summary>
    private async Task AssertLooksUnknownAsync(HttpMethod method, string path, string id)
    {
        var unknownId = Offload.Jobs.JobId.New();
        using var theirs = await _mallory.SendAsync(new HttpRequestMessage(method, path));
        using var unknown = await _mallory.SendAsync(new HttpRequestMessage(method, path.Replace(id, unknownId, StringComparison.Ordinal)));

        var problem = await Api.AssertProblemAsync(theirs, HttpStatusCode.NotFound);
        var unknownProblem = await Api.AssertProblemAsync(unknown, HttpStatusCode.NotFound);
        Assert.Equal(unknownProblem.GetProperty("title").GetString()!.Replace(unknownId, id, StringComparison.Ordinal), problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task AnotherOwnersVideo_IsNotFound_ForEveryVerb_ButTheAdminSeesIt()
    {
        using var upload = await _alice.PostAsync("/api/videos", Api.Video(await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent))));
        var id = await upload.AcceptedIdAsync();

        await AssertLooksUnknownAsync(HttpMethod.Get, $"/api/videos/{id}", id);
        await AssertLooksUnknownAsync(HttpMethod.Get, $"/api/videos/{id}/output", id);
        await AssertLooksUnknownAsync(HttpMethod.Post, $"/api/videos/{id}/retry", id);
        await AssertLooksUnknownAsync(HttpMethod.Delete, $"/api/videos/{id}", id);

        var job = await fixture.Server.WaitForFinalAsync($"/api/videos/{id}"); // the admin's client
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _alice.GetAsync($"/api/videos/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await _alice.GetAsync($"/api/videos/{id}/output")).StatusCode);
        await AssertLooksUnknownAsync(HttpMethod.Get, $"/api/videos/{id}/output", id);
    }

    [Fact]
    public async Task AnotherOwnersEmail_IsNotFound()
    {
        using var queued = await _alice.PostAsJsonAsync("/api/emails", new { to = $"alice-{Guid.NewGuid():N}@example.com", template = "welcome", model = new { name = "Alice" } });
        var id = await queued.AcceptedIdAsync();

        await AssertLooksUnknownAsync(HttpMethod.Get, $"/api/emails/{id}", id);
        await AssertLooksUnknownAsync(HttpMethod.Post, $"/api/emails/{id}/retry", id);
        Assert.Equal(HttpStatusCode.OK, (await _alice.GetAsync($"/api/emails/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.GetAsync($"/api/emails/{id}")).StatusCode);
    }

    [Fact]
    public async Task AnotherOwnersUpload_CannotBeSubmitted()
    {
        using var created = await _alice.PostAsJsonAsync("/api/uploads", new { fileName = "a.mp4", contentType = "video/mp4", sizeBytes = 1024 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await AssertLooksUnknownAsync(HttpMethod.Post, $"/api/videos/{id}/submit", id);
        // Alice's own submit is heard (nothing uploaded yet: 409, not 404).
        await Api.AssertProblemAsync(await _alice.PostAsync($"/api/videos/{id}/submit", null), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task SameIdempotencyKey_FromTwoOwners_MakesTwoJobs()
    {
        var key = $"order-{Guid.NewGuid():N}";
        async Task<HttpResponseMessage> PostAsync(HttpClient client, string name)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/emails")
            {
                Content = JsonContent.Create(new { to = $"{name}-{Guid.NewGuid():N}@example.com", template = "welcome", model = new { name } }),
            };
            request.Headers.Add("Idempotency-Key", key);
            return await client.SendAsync(request);
        }

        using var alices = await PostAsync(_alice, "alice");
        using var mallorys = await PostAsync(_mallory, "mallory"); // another body: from one owner this would be a 422

        var (aliceId, malloryId) = (await alices.AcceptedIdAsync(), await mallorys.AcceptedIdAsync());
        Assert.NotEqual(aliceId, malloryId);
        Assert.False(mallorys.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.OK, (await _mallory.GetAsync($"/api/emails/{malloryId}")).StatusCode);
    }
}
