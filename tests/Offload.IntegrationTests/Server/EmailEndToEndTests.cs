using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Server;

/// <summary>Email through Offload.Server over HTTP, delivered by its high-priority listener to a real SMTP server.</summary>
[Collection(ServerCollection.Name)]
public sealed class EmailEndToEndTests(ServerFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}@example.com";

    private static Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected) =>
        Api.AssertProblemAsync(response, expected);

    private Task<JsonElement> WaitForFinalAsync(string statusUrl) => fixture.Server.WaitForFinalAsync(statusUrl, TimeSpan.FromSeconds(60));

    [Fact]
    public async Task Email_IsAcceptedAtOnce_ThenDelivered()
    {
        var to = Unique("welcome");

        using var response = await Http.PostAsJsonAsync("/api/emails", new { to, template = "welcome", model = new { name = "Ada" } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = accepted.GetProperty("id").GetString()!;
        Assert.Equal("queued", accepted.GetProperty("status").GetString());
        Assert.Equal($"/api/emails/{id}", response.Headers.Location?.OriginalString);

        var job = await WaitForFinalAsync(accepted.GetProperty("statusUrl").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal("welcome", job.GetProperty("template").GetString());
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        var email = Assert.Single(await fixture.Mail.WaitForAsync(e => e.To == to));
        Assert.Equal("Welcome to Offload, Ada", email.Subject);
    }

    [Theory]
    [InlineData("""{"to":"nope","template":"welcome","model":{"name":"x"}}""", "to")]
    [InlineData("""{"template":"welcome","model":{"name":"x"}}""", "to")]
    [InlineData("""{"to":"a@example.com","template":"newsletter","model":{}}""", "template")]
    [InlineData("""{"to":"a@example.com","template":"password-reset","model":{"name":"x"}}""", "model.resetLink")]
    [InlineData("""{"to":"a@example.com","template":"password-reset","model":{"name":"x","resetLink":"javascript:alert(1)"}}""", "model.resetLink")]
    [InlineData("""{"to":"a@example.com","template":"welcome","model":{"name":{"first":"x"}}}""", "model.name")]
    public async Task Email_BadRequests_NameTheField(string json, string field)
    {
        using var response = await Http.PostAsync("/api/emails", new StringContent(json, Encoding.UTF8, "application/json"));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {problem}");
    }

    [Fact]
    public async Task Email_RefusesBodiesThatAreNotJson()
    {
        // The shared API's own answer, saying what to send (not a bare 415 from the server's routing).
        var notJson = await ProblemAsync(await Http.PostAsync("/api/emails", new StringContent("to=a@example.com", Encoding.UTF8, "application/x-www-form-urlencoded")),
            HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("Send the email request as application/json.", notJson.GetProperty("title").GetString());
        await ProblemAsync(await Http.PostAsync("/api/emails", new StringContent("{not json", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task GetEmail_Answers404And400()
    {
        await ProblemAsync(await Http.GetAsync("/api/emails/0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3"), HttpStatusCode.NotFound);
        await ProblemAsync(await Http.GetAsync("/api/emails/nope"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task VideoWithNotify_SendsExactlyOneVideoReadyEmail()
    {
        var to = Unique("owner");
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent));

        using var response = await Http.PostVideoAsync(clip, $"?notify={Uri.EscapeDataString(to)}");
        var id = await response.AcceptedIdAsync();
        Assert.Equal("succeeded", (await WaitForFinalAsync($"/api/videos/{id}")).GetProperty("status").GetString());

        var emails = await fixture.Mail.WaitForAsync(e => e.To == to);
        await Task.Delay(TimeSpan.FromSeconds(2)); // time for a duplicate to show up, if there were one
        emails = (await fixture.Mail.ReceivedAsync()).Where(e => e.To == to).ToList();
        var email = Assert.Single(emails);
        Assert.Equal("Your video is ready", email.Subject);
        Assert.Contains($"/api/videos/{id}/output", email.Html);
    }
}
