using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.Testing;

namespace Offload.IntegrationTests.Infrastructure;

/// <summary>What the end-to-end tests ask of the HTTP API again and again.</summary>
public static class Api
{
    /// <summary>Polls a job's status URL until the job is succeeded or failed; fails the test with the server's log otherwise.</summary>
    public static async Task<JsonElement> WaitForFinalAsync(this ServerProcess server, string statusUrl, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            var job = await server.Http.GetFromJsonAsync<JsonElement>(statusUrl);
            var status = job.GetProperty("status").GetString();
            if (status is "succeeded" or "failed")
                return job;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"{statusUrl} is still '{status}'. Server log:\n{server.Output.Tail()}");
            await Task.Delay(200);
        }
    }

    /// <summary>Polls a video until its encode is under way (processing, progress above 0): the moment a fault test strikes.</summary>
    public static async Task WaitForEncodeUnderwayAsync(this ServerProcess server, string id)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(100))
        {
            var job = await server.Http.GetFromJsonAsync<JsonElement>($"/api/videos/{id}");
            if (job.GetProperty("status").GetString() == "processing" && job.GetProperty("progress").GetInt32() > 0)
                return;
            Assert.True(DateTime.UtcNow < deadline, $"the encode never got going:\n{server.Output.Tail()}");
        }
    }

    /// <summary>Makes an API key with <paramref name="scopes"/> through POST /api/keys (as the admin) and returns it with its id.</summary>
    public static async Task<(string Id, string Key)> CreateKeyAsync(this ServerProcess server, params string[] scopes)
    {
        using var response = await server.Http.PostAsJsonAsync("/api/keys", new { name = $"test {string.Join('+', scopes)}", scopes });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (created.GetProperty("id").GetString()!, created.GetProperty("key").GetString()!);
    }

    /// <summary>A video body as a client sends it: the bytes with their media type.</summary>
    public static ByteArrayContent Video(byte[] bytes, string contentType = "video/x-msvideo")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return content;
    }

    /// <summary>POST /api/videos{query} with the bytes as the body; the answer as it came.</summary>
    public static Task<HttpResponseMessage> PostVideoAsync(this HttpClient http, byte[] bytes, string query = "") =>
        http.PostAsync($"/api/videos{query}", Video(bytes));

    /// <summary>The id of a job the API accepted: asserts 202 and reads <c>id</c>.</summary>
    public static async Task<string> AcceptedIdAsync(this HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Asserts an RFC 9457 answer with the expected status and a title, and returns it.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }
}
