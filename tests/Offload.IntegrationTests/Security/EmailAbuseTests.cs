using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;

namespace Offload.IntegrationTests.Security;

/// <summary>
/// POST /api/emails cannot be turned into a phishing relay signed by the real sender: links only to the allowed hosts
/// (by default the host of Email:LinkBaseUrl, 127.0.0.1 in this fixture), capped field lengths answered with a 400
/// naming the field, and no request value that reaches a header. Checked on the real SMTP catcher's inbox.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class EmailAbuseTests(ServerFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}@example.com";

    private Task<HttpResponseMessage> PostJsonAsync(string json) =>
        Http.PostAsync("/api/emails", new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Sends a welcome email to <paramref name="to"/> and waits until it arrives: after it, anything queued before it would have arrived too.</summary>
    private async Task<IReadOnlyList<Offload.Testing.ReceivedEmail>> InboxAfterAMarkerAsync(string to)
    {
        using var marker = await Http.PostAsJsonAsync("/api/emails", new { to, template = "welcome", model = new { name = "Marker" } });
        Assert.Equal(HttpStatusCode.Accepted, marker.StatusCode);
        await fixture.Mail.WaitForAsync(e => e.To == to && e.Subject == "Welcome to Offload, Marker");
        return (await fixture.Mail.ReceivedAsync()).Where(e => e.To == to).ToList();
    }

    [Theory]
    [InlineData("https://evil.example/reset?token=abc")]
    [InlineData("https://127.0.0.1@evil.example/reset")]      // reads as the app's host, goes to evil.example
    [InlineData("https://user@127.0.0.1/reset")]              // userinfo on the right host: refused too
    [InlineData("https://127.0.0.1.evil.example/reset")]
    [InlineData("http://evil.example/reset")]
    [InlineData("javascript:alert(document.cookie)")]
    public async Task PasswordReset_WithALinkOffTheAllowedHosts_Is400_AndNothingIsSent(string link)
    {
        var to = Unique("victim");

        using var response = await Http.PostAsJsonAsync("/api/emails", new { to, template = "password-reset", model = new { name = "Ada", resetLink = link } });

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("model.resetLink", out _), $"{problem}");
        var inbox = await InboxAfterAMarkerAsync(to);
        Assert.Equal("Welcome to Offload, Marker", Assert.Single(inbox).Subject); // the marker, and nothing before it
    }

    [Fact]
    public async Task PasswordReset_WithALinkOnTheAppsOwnHost_IsDelivered_WithThatLink()
    {
        var to = Unique("reset");

        using var response = await Http.PostAsJsonAsync("/api/emails",
            new { to, template = "password-reset", model = new { name = "Ada", resetLink = "http://127.0.0.1:7071/reset?token=abc&u=1" } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var email = Assert.Single(await fixture.Mail.WaitForAsync(e => e.To == to));
        Assert.Contains("http://127.0.0.1:7071/reset?token=abc&u=1", email.Text);
        Assert.Contains("href=\"http://127.0.0.1:7071/reset?token=abc&amp;u=1\"", email.Html);
    }

    private static string Email(string to = "a@example.com", string template = "welcome", Dictionary<string, string>? model = null) =>
        JsonSerializer.Serialize(new { to, template, model = model ?? new Dictionary<string, string> { ["name"] = "Ada" } });

    public static TheoryData<string, string> Overlong => new()
    {
        // The case: a 70,000-character value answered 500 (Table Storage refuses a property over 32 K characters).
        { Email(model: new() { ["name"] = new string('x', 70_000) }), "model.name" },
        { Email(model: new() { ["name"] = new string('x', 4_001) }), "model.name" },
        { Email(model: new() { ["name"] = "Ada", [new string('k', 70_000)] = "v" }), "model" },
        { Email(model: Enumerable.Range(0, 5).ToDictionary(i => $"f{i}", _ => new string('x', 4_000)).Append(new("name", "Ada")).ToDictionary()), "model" },
        { Email(to: new string('a', 70_000) + "@example.com"), "to" },
        { Email(to: new string('a', 250) + "@example.com"), "to" },
        { Email(template: new string('t', 70_000)), "template" },
    };

    [Theory]
    [MemberData(nameof(Overlong))]
    public async Task OverlongFields_Are400NamingTheField_Never500(string json, string field)
    {
        using var response = await PostJsonAsync(json);

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {problem}");
        Assert.True(problem.GetRawText().Length < 2_000, "the answer echoes the overlong value");
    }

    [Fact]
    public async Task SenderAndHeaders_ComeFromConfigurationOnly()
    {
        var to = Unique("headers");
        const string injected = "Ada\r\nBcc: bcc-victim@evil.example\r\nReply-To: attacker@evil.example\r\nFrom: ceo@bank.example\r\n\r\nBody";
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["to"] = to,
            ["template"] = "welcome",
            // Fields a sender might hope for are not part of the request; the model reaches the subject and body only.
            ["from"] = "ceo@bank.example",
            ["replyTo"] = "attacker@evil.example",
            ["headers"] = new Dictionary<string, string> { ["Bcc"] = "bcc-victim@evil.example" },
            ["model"] = new Dictionary<string, string> { ["name"] = injected, ["from"] = "ceo@bank.example", ["replyTo"] = "attacker@evil.example" },
        });

        using var response = await PostJsonAsync(json);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var email = Assert.Single(await fixture.Mail.WaitForAsync(e => e.To == to));
        Assert.Equal("no-reply@offload.localhost", email.From);          // Email:From's default in this fixture
        Assert.Equal([to], email.EnvelopeTo);                             // delivered to the one recipient only
        Assert.False(email.Headers.ContainsKey("bcc"));
        Assert.False(email.Headers.ContainsKey("reply-to"));
        // The injected text is in the subject (as text, on one line) and nowhere else among the headers.
        Assert.All(email.Headers.Where(h => !h.Key.Equals("subject", StringComparison.OrdinalIgnoreCase)),
            h => Assert.DoesNotContain("evil.example", h.Value, StringComparison.Ordinal));
        Assert.DoesNotContain('\n', email.Subject);
        Assert.StartsWith("Welcome to Offload, Ada", email.Subject);
        Assert.DoesNotContain(await fixture.Mail.ReceivedAsync(), e => e.EnvelopeTo.Any(r => r.EndsWith("evil.example", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("a@example.com\r\nBcc: bcc-victim@evil.example")]
    [InlineData("\"Ada\r\nBcc: bcc-victim@evil.example\" <a@example.com>")]
    [InlineData("a@example.com, bcc-victim@evil.example")]
    public async Task ARecipientWithALineBreakOrAList_Is400(string to)
    {
        using var response = await Http.PostAsJsonAsync("/api/emails", new { to, template = "welcome", model = new { name = "Ada" } });

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("to", out _), $"{problem}");
    }
}
