using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.Access;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Dashboard;

/// <summary>
/// GET /api/jobs, GET /api/jobs/{id} and POST /api/jobs/{id}/retry over HTTP: every owner's jobs for an admin, nothing
/// for anyone else, and a clear 400 for every filter that is not one.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class AllJobsApiTests(ServerFixture fixture) : IAsyncLifetime
{
    private HttpClient _alice = null!;
    private string _aliceId = null!;

    private HttpClient Admin => fixture.Http;

    public async Task InitializeAsync()
    {
        var (id, key) = await fixture.Server.CreateKeyAsync(Scopes.Videos, Scopes.Emails);
        (_alice, _aliceId) = (fixture.Server.Client(key), $"key:{id}");
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        return Task.CompletedTask;
    }

    private async Task<string> QueueEmailAsync()
    {
        using var response = await _alice.PostAsJsonAsync("/api/emails", new { to = $"alice-{Guid.NewGuid():N}@example.com", template = "welcome", model = new { name = "Alice" } });
        return await response.AcceptedIdAsync();
    }

    [Fact]
    public async Task AnAdmin_ListsAnOwnersJobs_NewestFirst_AndOpensOne()
    {
        var first = await QueueEmailAsync();
        var second = await QueueEmailAsync();
        await fixture.Server.WaitForFinalAsync($"/api/emails/{second}");
        await fixture.Server.WaitForFinalAsync($"/api/emails/{first}");

        var list = await Admin.GetFromJsonAsync<JsonElement>($"/api/jobs?owner={Uri.EscapeDataString(_aliceId)}&kind=email");
        var jobs = list.GetProperty("jobs").EnumerateArray().ToList();
        Assert.Equal([second, first], jobs.Select(j => j.GetProperty("id").GetString()));
        Assert.All(jobs, j => Assert.Equal(("succeeded", _aliceId), (j.GetProperty("status").GetString(), j.GetProperty("owner").GetString())));
        Assert.False(list.TryGetProperty("next", out _));

        var page = await Admin.GetFromJsonAsync<JsonElement>($"/api/jobs?owner={Uri.EscapeDataString(_aliceId)}&limit=1");
        var next = page.GetProperty("next").GetString()!;
        Assert.Contains("limit=1", next);
        var rest = await Admin.GetFromJsonAsync<JsonElement>(next);
        Assert.Equal(first, rest.GetProperty("jobs")[0].GetProperty("id").GetString());

        var job = await Admin.GetFromJsonAsync<JsonElement>(jobs[0].GetProperty("url").GetString()!);
        Assert.Equal(("email", "succeeded", _aliceId), (job.GetProperty("kind").GetString(), job.GetProperty("status").GetString(), job.GetProperty("owner").GetString()));
        Assert.Equal(["queued", "processing", "succeeded"], job.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("status").GetString()));
        Assert.Equal("welcome", job.GetProperty("view").GetProperty("template").GetString()); // the kind's own view
        Assert.False(job.GetProperty("actions").TryGetProperty("retry", out _)); // succeeded: nothing to send through again
    }

    [Fact]
    public async Task AFailedJob_IsFoundByItsStatus_AndRetriedThroughTheGenericRoute()
    {
        using var upload = await _alice.PostVideoAsync(System.Text.Encoding.ASCII.GetBytes("RIFF....AVI not a video at all"));
        var id = await upload.AcceptedIdAsync();
        var ended = await fixture.Server.WaitForFinalAsync($"/api/videos/{id}");
        Assert.Equal("failed", ended.GetProperty("status").GetString());

        var failed = await Admin.GetFromJsonAsync<JsonElement>($"/api/jobs?status=failed&owner={Uri.EscapeDataString(_aliceId)}");
        var row = Assert.Single(failed.GetProperty("jobs").EnumerateArray());
        Assert.Equal(id, row.GetProperty("id").GetString());
        Assert.False(string.IsNullOrWhiteSpace(row.GetProperty("error").GetString()));

        var job = await Admin.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
        var retry = job.GetProperty("actions").GetProperty("retry").GetString()!;
        Assert.Equal($"/api/jobs/{id}/retry", retry);
        using var retried = await Admin.PostAsync(retry, null);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        var again = await fixture.Server.WaitForFinalAsync($"/api/videos/{id}");
        Assert.Equal(1, again.GetProperty("events").EnumerateArray().Count(e => e.GetProperty("reason").GetString()!.Contains("again", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task NobodyButAnAdmin_ListsOrOpensJobs()
    {
        var id = await QueueEmailAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await _alice.GetAsync("/api/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _alice.GetAsync($"/api/jobs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _alice.PostAsync($"/api/jobs/{id}/retry", null)).StatusCode);
        using var anonymous = fixture.Server.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/jobs")).StatusCode);
    }

    [Theory]
    [InlineData("status=lost", "status")]
    [InlineData("kind=pdf", "kind")]
    [InlineData("since=yesterday", "since")]
    [InlineData("until=0001-01-01T00:00:00Z", "until")]
    [InlineData("since=2026-12-02T10:00:00Z&until=2026-12-02T09:00:00Z", "until")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=list%7C'%20or%20true", "cursor")]
    [InlineData("parts=maybe", "parts")]
    public async Task AFilterThatIsNotOne_Is400_NamingIt(string query, string field)
    {
        using var response = await Admin.GetAsync($"/api/jobs?{query}");
        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task AnIdThatIsNotOne_Is400_AndAnUnknownOne404()
    {
        await Api.AssertProblemAsync(await Admin.GetAsync("/api/jobs/not-an-id"), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await Admin.GetAsync($"/api/jobs/{Offload.Jobs.JobId.New()}"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await Admin.PostAsync($"/api/jobs/{Offload.Jobs.JobId.New()}/retry", null), HttpStatusCode.NotFound);
    }
}
