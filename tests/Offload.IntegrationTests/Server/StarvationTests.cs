using System.Net.Http.Json;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;
using Xunit.Abstractions;

namespace Offload.IntegrationTests.Server;

/// <summary>
/// The reason there are two queues: a backlog of encodes must never delay an email. A server of its own (default
/// concurrency: one encode, 32 emails at once) gets 10 slow encodes, then 50 emails.
/// </summary>
public sealed class StarvationTests(ServerFixture fixture, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Emails_AreDelivered_WhileAnEncodeBacklogWaits()
    {
        var http = fixture.Http;
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Long)); // several seconds of encode each
        var videos = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await http.PostVideoAsync(clip);
            videos.Add(await response.AcceptedIdAsync());
        }

        var run = Guid.NewGuid().ToString("N");
        var posts = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            using var response = await http.PostAsJsonAsync("/api/emails",
                new { to = $"user{i}-{run}@example.com", template = "password-reset", model = new { name = $"User {i}", resetLink = $"http://127.0.0.1:7071/reset/{i}" } });
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
        }));

        var delivered = await fixture.Mail.WaitForAsync(e => e.To.EndsWith($"-{run}@example.com", StringComparison.Ordinal), 50, TimeSpan.FromSeconds(90));
        var stillWaiting = 0;
        foreach (var video in videos)
        {
            var job = await http.GetFromJsonAsync<JsonElement>($"/api/videos/{video}");
            if (job.GetProperty("status").GetString() is "queued" or "processing")
                stillWaiting++;
        }

        var latencies = new List<double>();
        foreach (var statusUrl in posts)
        {
            var job = await http.GetFromJsonAsync<JsonElement>(statusUrl);
            latencies.Add((job.GetProperty("completedAt").GetDateTimeOffset() - job.GetProperty("createdAt").GetDateTimeOffset()).TotalMilliseconds);
        }

        latencies.Sort();
        var p50 = latencies[latencies.Count / 2];
        var p95 = latencies[(int)Math.Ceiling(latencies.Count * 0.95) - 1];
        output.WriteLine($"50 emails behind 10 queued encodes: delivered {delivered.Count}, encodes still waiting {stillWaiting}, " +
                         $"latency POST -> SMTP p50 {p50:0} ms, p95 {p95:0} ms, max {latencies[^1]:0} ms");
        Measurements.Report($"[starvation] delivered {delivered.Count}/50 with {stillWaiting}/10 encodes still waiting; p50 {p50:0} ms, p95 {p95:0} ms");

        Assert.Equal(50, delivered.Count);
        Assert.True(stillWaiting > 0, "every encode had finished: the backlog did not outlast the emails, so this proved nothing");
        Assert.True(p95 < 30_000, $"p95 {p95:0} ms");
    }
}
