using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Offload.IntegrationTests.Infrastructure;
using Offload.Storage;
using Offload.Testing;
using Xunit.Abstractions;

namespace Offload.IntegrationTests.Faults;

/// <summary>
/// A burst, all at once: 20 uploads and 200 emails. Afterwards every job has ended, and the counts match: nothing lost,
/// nothing done twice (one output per video, one email per recipient).
/// </summary>
public sealed class LoadTests(ServerFixture fixture, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task TwentyUploadsAndTwoHundredEmailsAtOnce_AllEnd_AndTheCountsMatch()
    {
        var http = fixture.Http;
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent));
        var run = Guid.NewGuid().ToString("N");
        var clock = Stopwatch.StartNew();

        var uploads = Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await http.PostVideoAsync(clip);
            return await response.AcceptedIdAsync();
        });
        var emails = Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await http.PostAsJsonAsync("/api/emails",
                new { to = $"load{i}-{run}@example.com", template = "welcome", model = new { name = $"User {i}" } });
            return await response.AcceptedIdAsync();
        });
        var videoIds = await Task.WhenAll(uploads);
        var emailIds = await Task.WhenAll(emails);
        var accepted = clock.Elapsed;

        var videos = new List<JsonElement>();
        foreach (var id in videoIds)
            videos.Add(await fixture.Server.WaitForFinalAsync($"/api/videos/{id}", TimeSpan.FromSeconds(180)));
        var sent = new List<JsonElement>();
        foreach (var id in emailIds)
            sent.Add(await fixture.Server.WaitForFinalAsync($"/api/emails/{id}", TimeSpan.FromSeconds(60)));
        var done = clock.Elapsed;
        var delivered = await fixture.Mail.WaitForAsync(e => e.To.EndsWith($"-{run}@example.com", StringComparison.Ordinal), 200, TimeSpan.FromSeconds(30));
        await Task.Delay(1000); // a duplicate would arrive late
        delivered = (await fixture.Mail.ReceivedAsync()).Where(e => e.To.EndsWith($"-{run}@example.com", StringComparison.Ordinal)).ToList();
        var outputs = new HashSet<string>();
        await foreach (var blob in new BlobServiceClient(fixture.Azurite.ConnectionString).GetBlobContainerClient(StorageNames.OutputsContainer).GetBlobsAsync())
            outputs.Add(blob.Name);

        var videosSucceeded = videos.Count(v => v.GetProperty("status").GetString() == "succeeded");
        var emailsSucceeded = sent.Count(e => e.GetProperty("status").GetString() == "succeeded");
        var outputsOfTheRun = videoIds.Count(id => outputs.Count(name => name.StartsWith($"{id}/", StringComparison.Ordinal) && name.EndsWith(".mp4", StringComparison.Ordinal)) == 1);
        var duplicates = delivered.Count - delivered.Select(e => e.To).Distinct().Count();
        var counts = $"videos {videosSucceeded}/20 succeeded with {outputsOfTheRun} outputs; emails {emailsSucceeded}/200 succeeded, " +
                     $"{delivered.Count} delivered, {duplicates} duplicates; accepted in {accepted.TotalSeconds:0.0} s, all ended in {done.TotalSeconds:0.0} s";
        output.WriteLine(counts);
        Measurements.Report($"[load] {counts}");

        Assert.Equal(20, videoIds.Distinct().Count());
        Assert.Equal(200, emailIds.Distinct().Count());
        Assert.Equal(20, videosSucceeded);
        Assert.Equal(20, outputsOfTheRun);
        Assert.Equal(200, emailsSucceeded);
        Assert.Equal(200, delivered.Count);
        Assert.Equal(0, duplicates);
        Assert.All(videos, v => Assert.Equal(1, v.GetProperty("attempts").GetInt32()));
    }
}
