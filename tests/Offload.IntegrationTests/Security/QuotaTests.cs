using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.Access;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Security;

/// <summary>A server with small quotas, so a test can go over each.</summary>
public sealed class QuotaServerFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Quotas__UploadsPerMinute"] = "2",
        ["Quotas__EncodedSecondsPerDay"] = "5",
        ["Quotas__EmailsPerMinute"] = "3",
        ["Quotas__EmailsPerRecipientPerHour"] = "2",
    };
}

/// <summary>A server where an owner may have only two videos in flight.</summary>
public sealed class ConcurrencyQuotaServerFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Quotas__ConcurrentVideos"] = "2",
        ["Encoding__Preset"] = "veryslow",
    };
}

/// <summary>
/// Quotas per owner, counted in storage (so every instance sees the same count): over one, 429 with Retry-After and
/// a title naming it, and nothing is stored. Each test uses owners of its own.
/// </summary>
public sealed class QuotaTests(QuotaServerFixture fixture) : IClassFixture<QuotaServerFixture>
{
    private async Task<HttpClient> NewOwnerAsync(params string[] scopes) =>
        fixture.Server.Client((await fixture.Server.CreateKeyAsync(scopes)).Key);

    /// <summary>Per-minute and per-hour counts use fixed windows: start well inside one, so the test is not cut by a window's end.</summary>
    internal static async Task StartOfAFreshStretchAsync(TimeSpan window)
    {
        var now = DateTime.UtcNow;
        var left = window - TimeSpan.FromTicks(now.Ticks % window.Ticks);
        if (left < TimeSpan.FromSeconds(20))
            await Task.Delay(left + TimeSpan.FromMilliseconds(200));
    }

    private static async Task<JsonElement> AssertOverQuotaAsync(HttpResponseMessage response, string quota)
    {
        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.TooManyRequests);
        Assert.Equal(quota, problem.GetProperty("quota").GetString());
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After in seconds");
        return problem;
    }

    [Fact]
    public async Task ThirdVideoInAMinute_Is429_AndNoUploadIsMade()
    {
        await StartOfAFreshStretchAsync(TimeSpan.FromMinutes(1));
        using var owner = await NewOwnerAsync(Scopes.Videos);
        object Upload() => new { fileName = "a.mp4", contentType = "video/mp4", sizeBytes = 1024 };

        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsJsonAsync("/api/uploads", Upload())).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsJsonAsync("/api/uploads", Upload())).StatusCode);
        using var third = await owner.PostAsJsonAsync("/api/uploads", Upload());
        using var video = await owner.PostVideoAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent)));

        var problem = await AssertOverQuotaAsync(third, "Quotas:UploadsPerMinute");
        Assert.Contains("2 videos a minute", problem.GetProperty("title").GetString());
        await AssertOverQuotaAsync(video, "Quotas:UploadsPerMinute");
        // Another owner is not held up by this one.
        using var other = await NewOwnerAsync(Scopes.Videos);
        Assert.Equal(HttpStatusCode.Created, (await other.PostAsJsonAsync("/api/uploads", Upload())).StatusCode);
    }

    [Fact]
    public async Task NotifyEmails_CountPerRecipient_SoVideosCannotMailBombAnAddress()
    {
        await StartOfAFreshStretchAsync(TimeSpan.FromHours(1));
        var victim = $"victim-{Guid.NewGuid():N}@example.com";
        object Upload(string notify) => new { fileName = "a.mp4", contentType = "video/mp4", sizeBytes = 1024, notify };
        using var first = await NewOwnerAsync(Scopes.Videos);
        using var second = await NewOwnerAsync(Scopes.Videos);

        // One inbox however the address is written: with a display name, in capitals.
        Assert.Equal(HttpStatusCode.Created, (await first.PostAsJsonAsync("/api/uploads", Upload(victim))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await second.PostAsJsonAsync("/api/uploads", Upload($"Ada <{victim}>"))).StatusCode);
        using var third = await second.PostAsJsonAsync("/api/uploads", Upload($"Bob <{victim.ToUpperInvariant()}>"));

        await AssertOverQuotaAsync(third, "Quotas:EmailsPerRecipientPerHour");
    }

    [Fact]
    public async Task VideosOverTheDailySourceSeconds_Are429()
    {
        // Two uploads a minute at most here: each waits for a fresh minute's allowance after the first.
        using var owner = await NewOwnerAsync(Scopes.Videos);
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent)); // 3 s of video; the quota is 5 s a day

        for (var i = 0; i < 2; i++)
        {
            await StartOfAFreshStretchAsync(TimeSpan.FromMinutes(1));
            using var accepted = await owner.PostVideoAsync(clip);
            Assert.Equal("succeeded", (await fixture.Server.WaitForFinalAsync($"/api/videos/{await accepted.AcceptedIdAsync()}")).GetProperty("status").GetString());
        }

        using var refused = await owner.PostVideoAsync(clip);

        var problem = await AssertOverQuotaAsync(refused, "Quotas:EncodedSecondsPerDay");
        Assert.Contains("tomorrow", problem.GetProperty("title").GetString());
    }
}

public sealed class ConcurrencyQuotaTests(ConcurrencyQuotaServerFixture fixture) : IClassFixture<ConcurrencyQuotaServerFixture>
{
    [Fact]
    public async Task ThirdVideoInFlight_Is429_UntilOneEnds()
    {
        using var owner = fixture.Server.Client((await fixture.Server.CreateKeyAsync(Scopes.Videos)).Key);
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Long)); // 12 s at veryslow: long enough to be in flight

        using var first = await owner.PostVideoAsync(clip);
        using var second = await owner.PostVideoAsync(clip);
        var (firstId, secondId) = (await first.AcceptedIdAsync(), await second.AcceptedIdAsync());
        using var third = await owner.PostVideoAsync(clip);

        var problem = await Api.AssertProblemAsync(third, HttpStatusCode.TooManyRequests);
        Assert.Equal("Quotas:ConcurrentVideos", problem.GetProperty("quota").GetString());
        Assert.NotNull(third.Headers.RetryAfter);

        // Refusals take nothing: many more while it is full still leave the minute's allowance (20) for later.
        for (var i = 0; i < 25; i++)
            Assert.Equal(HttpStatusCode.TooManyRequests,
                (await owner.PostAsJsonAsync("/api/uploads", new { fileName = "a.mp4", contentType = "video/mp4", sizeBytes = 1024 })).StatusCode);

        // Cancelling one frees its place at once.
        Assert.Equal(HttpStatusCode.OK, (await owner.DeleteAsync($"/api/videos/{secondId}")).StatusCode);
        using var fourth = await owner.PostVideoAsync(clip);
        var fourthId = await fourth.AcceptedIdAsync();

        // Sending the cancelled one through again is another video in flight: no way around the quota.
        using var retry = await owner.PostAsync($"/api/videos/{secondId}/retry", null);
        Assert.Equal("Quotas:ConcurrentVideos", (await Api.AssertProblemAsync(retry, HttpStatusCode.TooManyRequests)).GetProperty("quota").GetString());
        Assert.Equal("cancelled", (await (await owner.GetAsync($"/api/videos/{secondId}")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        foreach (var id in new[] { firstId, fourthId })
            await owner.DeleteAsync($"/api/videos/{id}");
    }
}

/// <summary>Email quotas on the small-quota server: per owner a minute, and per recipient and template an hour.</summary>
public sealed class EmailQuotaTests(QuotaServerFixture fixture) : IClassFixture<QuotaServerFixture>
{
    private static object Welcome(string to) => new { to, template = "welcome", model = new { name = "Quota" } };

    [Fact]
    public async Task FourthEmailInAMinute_Is429_AndIsNeverSent()
    {
        await QuotaTests.StartOfAFreshStretchAsync(TimeSpan.FromMinutes(1));
        using var owner = fixture.Server.Client((await fixture.Server.CreateKeyAsync(Scopes.Emails)).Key);
        var run = Guid.NewGuid().ToString("N");

        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await owner.PostAsJsonAsync("/api/emails", Welcome($"q{i}-{run}@example.com"))).StatusCode);
        using var fourth = await owner.PostAsJsonAsync("/api/emails", Welcome($"q3-{run}@example.com"));

        var problem = await Api.AssertProblemAsync(fourth, HttpStatusCode.TooManyRequests);
        Assert.Equal("Quotas:EmailsPerMinute", problem.GetProperty("quota").GetString());
        Assert.True(fourth.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        await fixture.Mail.WaitForAsync(e => e.To == $"q2-{run}@example.com");
        Assert.DoesNotContain(await fixture.Mail.ReceivedAsync(), e => e.To == $"q3-{run}@example.com");
    }

    [Fact]
    public async Task ThirdEmailOfATemplateToOneRecipientInAnHour_Is429_WhoeverAsks()
    {
        await QuotaTests.StartOfAFreshStretchAsync(TimeSpan.FromHours(1));
        var to = $"victim-{Guid.NewGuid():N}@example.com";
        using var first = fixture.Server.Client((await fixture.Server.CreateKeyAsync(Scopes.Emails)).Key);
        using var second = fixture.Server.Client((await fixture.Server.CreateKeyAsync(Scopes.Emails)).Key);

        Assert.Equal(HttpStatusCode.Accepted, (await first.PostAsJsonAsync("/api/emails", Welcome(to))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await second.PostAsJsonAsync("/api/emails", Welcome(to))).StatusCode);
        using var third = await first.PostAsJsonAsync("/api/emails", Welcome(to));
        using var admin = await fixture.Http.PostAsJsonAsync("/api/emails", Welcome(to)); // exempt from owner quotas, not this one

        Assert.Equal("Quotas:EmailsPerRecipientPerHour", (await Api.AssertProblemAsync(third, HttpStatusCode.TooManyRequests)).GetProperty("quota").GetString());
        await Api.AssertProblemAsync(admin, HttpStatusCode.TooManyRequests);
        // Another template to the same recipient is its own count.
        using var reset = await first.PostAsJsonAsync("/api/emails", new { to, template = "password-reset", model = new { name = "V", resetLink = "http://127.0.0.1:7071/reset/1" } });
        Assert.Equal(HttpStatusCode.Accepted, reset.StatusCode);
    }
}
