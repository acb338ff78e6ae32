using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.Access;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;
using Offload.Webhooks;

namespace Offload.IntegrationTests.Webhooks;

/// <summary>A server whose deliveries are retried at once and give up after a few seconds, and which lets http://127.0.0.1 receive them.</summary>
public sealed class WebhookServerFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Webhooks__AllowLoopbackHttp"] = "true",
        ["Webhooks__RetryBaseDelay"] = "00:00:00.200",
        ["Webhooks__RetryMaxDelay"] = "00:00:00.500",
        ["Webhooks__RetryWindow"] = "00:00:05",
        ["Webhooks__Timeout"] = "00:00:02",
    };
}

/// <summary>
/// Signed webhooks end to end, through the server process as a customer uses them: register an endpoint, get events
/// of jobs that end at a real HTTP receiver on loopback that checks the signature, see every attempt.
/// </summary>
public sealed class WebhookTests(WebhookServerFixture fixture) : IClassFixture<WebhookServerFixture>
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private async Task<HttpClient> OwnerAsync() => fixture.Server.Client((await fixture.Server.CreateKeyAsync(Scopes.Emails, Scopes.Webhooks)).Key);

    private static async Task<(string Id, string Secret)> RegisterAsync(HttpClient owner, string url, params string[] events)
    {
        using var response = await owner.PostAsJsonAsync("/api/webhooks", new { url, events });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/api/webhooks/{created.GetProperty("id").GetString()}", response.Headers.Location?.ToString());
        return (created.GetProperty("id").GetString()!, created.GetProperty("secret").GetString()!);
    }

    private static async Task<string> SendEmailAsync(HttpClient owner, string to)
    {
        using var response = await owner.PostAsJsonAsync("/api/emails", new { to, template = "welcome", model = new { name = "Ada" } });
        return await response.AcceptedIdAsync();
    }

    private static async Task<JsonElement> DeliveriesAsync(HttpClient owner, string endpoint)
    {
        using var response = await owner.GetAsync($"/api/webhooks/{endpoint}/deliveries");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deliveries");
    }

    private static async Task<JsonElement> WaitForDeliveryAsync(HttpClient owner, string endpoint, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var deliveries = await DeliveriesAsync(owner, endpoint);
            if (deliveries.EnumerateArray().FirstOrDefault(d => d.GetProperty("status").GetString() == status) is { ValueKind: JsonValueKind.Object } found)
                return found;
            Assert.True(DateTime.UtcNow < deadline, $"no {status} delivery: {deliveries}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task AnEmailThatIsSent_IsDeliveredSigned_WithTheJobAsGetShowsIt()
    {
        var owner = await OwnerAsync();
        await using var receiver = WebhookReceiver.Start();
        var (endpoint, secret) = await RegisterAsync(owner, receiver.Url, "email.delivered", "email.failed");

        var id = await SendEmailAsync(owner, "hook-1@example.com");

        var request = Assert.Single(await receiver.WaitForAsync(1));
        Assert.True(WebhookSignature.Verify(request.Header(WebhookSignature.Header)!, request.Body, secret, DateTimeOffset.UtcNow, Tolerance),
            $"signature {request.Header(WebhookSignature.Header)} does not verify");
        Assert.False(WebhookSignature.Verify(request.Header(WebhookSignature.Header)!, request.Body + " ", secret, DateTimeOffset.UtcNow, Tolerance));
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("email.delivered", body.GetProperty("type").GetString());
        Assert.StartsWith("evt_", body.GetProperty("id").GetString());
        Assert.Equal(body.GetProperty("id").GetString(), request.Header("Offload-Event-Id"));
        Assert.Equal(id, body.GetProperty("data").GetProperty("id").GetString());
        Assert.Equal("succeeded", body.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal("welcome", body.GetProperty("data").GetProperty("template").GetString());
        Assert.True(body.GetProperty("data").GetProperty("events").GetArrayLength() >= 3);

        var delivered = await WaitForDeliveryAsync(owner, endpoint, "succeeded");
        var attempt = Assert.Single(delivered.GetProperty("attempts").EnumerateArray());
        Assert.Equal("200", attempt.GetProperty("statusCode").GetString());

        // An admin sees the delivery on the job itself (the dashboard's job page).
        var job = await fixture.Http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
        var onJob = Assert.Single(job.GetProperty("webhooks").EnumerateArray());
        Assert.Equal((endpoint, receiver.Url.ToString(), "email.delivered", "succeeded"),
            (onJob.GetProperty("endpointId").GetString(), onJob.GetProperty("url").GetString(), onJob.GetProperty("eventType").GetString(), onJob.GetProperty("status").GetString()));
        Assert.Equal(delivered.GetProperty("id").GetString(), onJob.GetProperty("deliveryId").GetString());
        Assert.Equal("200", Assert.Single(onJob.GetProperty("attempts").EnumerateArray()).GetProperty("statusCode").GetString());
    }

    [Fact]
    public async Task TheReadmesNodeVerifier_AcceptsARealDelivery_AndRefusesATamperedOne()
    {
        var owner = await OwnerAsync();
        await using var receiver = WebhookReceiver.Start();
        var (endpoint, secret) = await RegisterAsync(owner, receiver.Url, "email.delivered");
        using (var test = await owner.PostAsync($"/api/webhooks/{endpoint}/test", null))
            Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        var request = Assert.Single(await receiver.WaitForAsync(1));

        var readme = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "README.md"));
        var verifier = System.Text.RegularExpressions.Regex.Match(readme, "```js\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
        var call = $"console.log(isFromOffload({JsonSerializer.Serialize(request.Header(WebhookSignature.Header))}, {JsonSerializer.Serialize(request.Body)}, {JsonSerializer.Serialize(secret)}), " +
                   $"isFromOffload({JsonSerializer.Serialize(request.Header(WebhookSignature.Header))}, {JsonSerializer.Serialize(request.Body + " ")}, {JsonSerializer.Serialize(secret)}))";
        var node = await Command.ExecAsync("node", ["-e", verifier + "\n" + call]);

        Assert.True(node.ExitCode == 0, node.Error);
        Assert.Equal("true false", node.Output.Trim());
    }

    [Fact]
    public async Task AVideoThatIsEncoded_RaisesVideoSucceeded_FromTheEncoder()
    {
        var owner = fixture.Server.Client((await fixture.Server.CreateKeyAsync(Scopes.Videos, Scopes.Webhooks)).Key);
        await using var receiver = WebhookReceiver.Start();
        var (_, secret) = await RegisterAsync(owner, receiver.Url, "video.succeeded", "video.failed");

        using var upload = await owner.PostVideoAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent)));
        var id = await upload.AcceptedIdAsync();

        var request = Assert.Single(await receiver.WaitForAsync(1, timeout: TimeSpan.FromSeconds(120)));
        Assert.True(WebhookSignature.Verify(request.Header(WebhookSignature.Header)!, request.Body, secret, DateTimeOffset.UtcNow, Tolerance));
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("video.succeeded", body.GetProperty("type").GetString());
        Assert.Equal(id, body.GetProperty("data").GetProperty("id").GetString());
        Assert.Equal("h264", body.GetProperty("data").GetProperty("output").GetProperty("videoCodec").GetString());
    }

    [Fact]
    public async Task AnEndpointThatFailsForAWhile_GetsTheEventOnce_AndEveryAttemptIsVisible()
    {
        var owner = await OwnerAsync();
        await using var receiver = WebhookReceiver.Start();
        receiver.Respond = n => n <= 2 ? 503 : 200;
        var (endpoint, secret) = await RegisterAsync(owner, receiver.Url, "email.delivered");

        await SendEmailAsync(owner, "hook-2@example.com");

        var delivered = await WaitForDeliveryAsync(owner, endpoint, "succeeded");
        var attempts = delivered.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("statusCode").GetString()).ToList();
        Assert.Equal(["503", "503", "200"], attempts);
        var requests = receiver.Requests;
        Assert.Equal(3, requests.Count);
        Assert.Single(requests.Select(r => r.Header("Offload-Event-Id")).Distinct()); // one event, three tries
        Assert.All(requests, r => Assert.True(WebhookSignature.Verify(r.Header(WebhookSignature.Header)!, r.Body, secret, DateTimeOffset.UtcNow, Tolerance)));
        Assert.Single(requests.Select(r => r.Body).Distinct()); // the same body every time
    }

    [Fact]
    public async Task AnEndpointThatNeverRecovers_EndsFailed_AfterTheWindow_WithWhatItLastAnswered()
    {
        var owner = await OwnerAsync();
        await using var receiver = WebhookReceiver.Start();
        receiver.Respond = _ => 500;
        var (endpoint, _) = await RegisterAsync(owner, receiver.Url, "email.delivered");

        await SendEmailAsync(owner, "hook-3@example.com");

        var failed = await WaitForDeliveryAsync(owner, endpoint, "failed");
        Assert.Matches(@"^Gave up after \d+ attempts in 5 s: The endpoint answered HTTP 500\.$", failed.GetProperty("error").GetString());
        var attempts = failed.GetProperty("attempts").EnumerateArray().ToList();
        Assert.True(attempts.Count >= 3, $"{attempts.Count} attempts");
        Assert.All(attempts, a => Assert.Equal("500", a.GetProperty("statusCode").GetString()));
        Assert.Equal(attempts.Count, receiver.Requests.Count);
    }

    [Fact]
    public async Task ARotatedSecret_SignsFromThenOn_AndTheOldOneStillSignsDuringTheOverlap()
    {
        var owner = await OwnerAsync();
        await using var receiver = WebhookReceiver.Start();
        var (endpoint, oldSecret) = await RegisterAsync(owner, receiver.Url, "email.delivered");

        using var rotation = await owner.PostAsync($"/api/webhooks/{endpoint}/rotate-secret", null);
        Assert.Equal(HttpStatusCode.OK, rotation.StatusCode);
        var rotated = await rotation.Content.ReadFromJsonAsync<JsonElement>();
        var newSecret = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(oldSecret, newSecret);
        using var test = await owner.PostAsync($"/api/webhooks/{endpoint}/test", null);
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);

        var request = Assert.Single(await receiver.WaitForAsync(1));
        Assert.Equal("webhook.test", JsonDocument.Parse(request.Body).RootElement.GetProperty("type").GetString());
        var signature = request.Header(WebhookSignature.Header)!;
        Assert.True(WebhookSignature.Verify(signature, request.Body, newSecret, DateTimeOffset.UtcNow, Tolerance));
        Assert.True(WebhookSignature.Verify(signature, request.Body, oldSecret, DateTimeOffset.UtcNow, Tolerance)); // the overlap
        Assert.False(WebhookSignature.Verify(signature, request.Body, WebhookSignature.NewSecret(), DateTimeOffset.UtcNow, Tolerance));
        // The list never shows a secret.
        var list = await owner.GetStringAsync("/api/webhooks");
        Assert.DoesNotContain(newSecret, list);
        Assert.DoesNotContain(oldSecret, list);
    }

    [Theory]
    [InlineData("https://10.0.0.7/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[::1]/hooks")]
    [InlineData("https://[fd00::1]/hooks")]
    [InlineData("https://localhost/hooks")]                // resolves to loopback
    [InlineData("https://127.0.0.1/hooks")]                // only http to the literal 127.0.0.1 is the development exception
    [InlineData("http://example.com/hooks")]               // not https
    [InlineData("https://user:pass@example.com/hooks")]
    [InlineData("ftp://example.com/hooks")]
    public async Task AnEndpointThatIsNotPublicHttps_IsRefused_WithAProblemNamingTheUrl(string url)
    {
        var owner = await OwnerAsync();

        using var response = await owner.PostAsJsonAsync("/api/webhooks", new { url, events = new[] { "video.succeeded" } });

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("url", problem.GetRawText());
        Assert.DoesNotContain(url, (await owner.GetStringAsync("/api/webhooks")));
    }

    [Fact]
    public async Task EndpointsAreTheirOwnersAlone_AndUnknownEventsAreRefused()
    {
        var owner = await OwnerAsync();
        var stranger = await OwnerAsync();
        await using var receiver = WebhookReceiver.Start();
        var (endpoint, _) = await RegisterAsync(owner, receiver.Url, "video.failed");

        foreach (var (method, path) in new[] { ("GET", "deliveries"), ("POST", "test"), ("POST", "rotate-secret") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), $"/api/webhooks/{endpoint}/{path}");
            using var response = await stranger.SendAsync(request);
            await Api.AssertProblemAsync(response, HttpStatusCode.NotFound);
        }
        using (var delete = await stranger.DeleteAsync($"/api/webhooks/{endpoint}"))
            await Api.AssertProblemAsync(delete, HttpStatusCode.NotFound);
        Assert.DoesNotContain(endpoint, await stranger.GetStringAsync("/api/webhooks"));
        using (var unknown = await owner.PostAsJsonAsync("/api/webhooks", new { url = receiver.Url, events = new[] { "video.exploded" } }))
            Assert.Contains("video.succeeded", (await Api.AssertProblemAsync(unknown, HttpStatusCode.BadRequest)).GetRawText());

        using (var deleted = await owner.DeleteAsync($"/api/webhooks/{endpoint}"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.DoesNotContain(endpoint, await owner.GetStringAsync("/api/webhooks"));
    }

    [Fact]
    public async Task TestEvents_HaveAQuota()
    {
        var owner = await OwnerAsync();
        await using var receiver = WebhookReceiver.Start();
        var (endpoint, _) = await RegisterAsync(owner, receiver.Url, "email.delivered");

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 11; i++)
        {
            using var test = await owner.PostAsync($"/api/webhooks/{endpoint}/test", null);
            answers.Add(test.StatusCode);
            if (test.StatusCode == HttpStatusCode.TooManyRequests)
                Assert.NotNull(test.Headers.RetryAfter);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Accepted, 10).Append(HttpStatusCode.TooManyRequests), answers);
    }
}
