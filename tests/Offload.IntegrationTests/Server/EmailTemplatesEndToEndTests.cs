using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Offload.Access;
using Offload.IntegrationTests.Infrastructure;
using Offload.Storage;
using Offload.Testing;

namespace Offload.IntegrationTests.Server;

/// <summary>
/// A server whose templates are overridden in both layers: a folder (Email__TemplatesPath) replaces the welcome
/// subject and adds a template, and the blob container (Email__TemplatesContainer) replaces the welcome HTML.
/// </summary>
public sealed class TemplatesServerFixture : ServerFixture
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("offload-templates").FullName;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Email__TemplatesPath"] = Folder,
        ["Email__TemplatesContainer"] = StorageNames.EmailTemplatesContainer,
    };

    protected override async Task BeforeServerStartsAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(Folder, "welcome.subject.liquid"), "Our own welcome, {{ name }}\n");
        await File.WriteAllTextAsync(Path.Combine(Folder, "newsletter.json"), """
            {
              "description": "The monthly news.",
              "variables": {
                "name": { "required": true },
                "issue": { "description": "Shown when given." },
                "archive": { "required": true, "link": true }
              }
            }
            """);
        await File.WriteAllTextAsync(Path.Combine(Folder, "newsletter.subject.liquid"), "News for {{ name }}{% if issue %}, issue {{ issue }}{% endif %}");
        await File.WriteAllTextAsync(Path.Combine(Folder, "newsletter.text.liquid"), "Hello {{ name }}, the archive: {{ archive }}");
        await File.WriteAllTextAsync(Path.Combine(Folder, "newsletter.html.liquid"), "<p>Hello {{ name }}, <a href=\"{{ archive }}\">the archive</a></p>");

        var container = new BlobServiceClient(Azurite.ConnectionString).GetBlobContainerClient(StorageNames.EmailTemplatesContainer);
        await container.CreateIfNotExistsAsync();
        await container.UploadBlobAsync("welcome.html.liquid", BinaryData.FromString("<h1>Welcome aboard, {{ name | upcase }}!</h1>"));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }
}

public sealed class EmailTemplatesEndToEndTests(TemplatesServerFixture fixture) : IClassFixture<TemplatesServerFixture>
{
    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}@example.com";

    /// <summary>A caller with the scope that sends email, as an app's back end would have: not the admin.</summary>
    private async Task<HttpClient> SenderAsync() => fixture.Server.Client((await fixture.Server.CreateKeyAsync(Scopes.Emails)).Key);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Overrides_ChangeTheDeliveredEmail_FileByFile()
    {
        using var sender = await SenderAsync();
        var to = Unique("welcome");

        using var response = await sender.PostAsJsonAsync("/api/emails", new { to, template = "welcome", model = new { name = "Ada" } });

        var id = await response.AcceptedIdAsync();
        Assert.Equal("succeeded", (await fixture.Server.WaitForFinalAsync($"/api/emails/{id}", TimeSpan.FromSeconds(60))).GetProperty("status").GetString());
        var email = Assert.Single(await fixture.Mail.WaitForAsync(e => e.To == to));
        Assert.Equal("Our own welcome, Ada", email.Subject);                           // from the folder
        Assert.Contains("<h1>Welcome aboard, ADA!</h1>", email.Html);                  // from the container
        Assert.Contains("your account is ready", email.Text);                          // still the built-in text
    }

    [Fact]
    public async Task ANewTemplate_IsSent_WithItsLinkChecked()
    {
        using var sender = await SenderAsync();
        var to = Unique("news");

        using var refused = await sender.PostAsJsonAsync("/api/emails", new { to, template = "newsletter", model = new { name = "Ada", archive = "https://evil.example/a" } });
        var problem = await Api.AssertProblemAsync(refused, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("model.archive", out _), $"{problem}");

        using var response = await sender.PostAsJsonAsync("/api/emails",
            new { to, template = "newsletter", model = new { name = "Ada", issue = 7, archive = "http://127.0.0.1:7071/news" } });
        await response.AcceptedIdAsync();
        var email = Assert.Single(await fixture.Mail.WaitForAsync(e => e.To == to));
        Assert.Equal("News for Ada, issue 7", email.Subject);
        Assert.Contains("<a href=\"http://127.0.0.1:7071/news\">the archive</a>", email.Html);
    }

    [Fact]
    public async Task List_ShowsEveryTemplate_WithItsVariables_AndWhereItsFilesCameFrom()
    {
        using var sender = await SenderAsync();

        var list = await sender.GetFromJsonAsync<JsonElement>("/api/email-templates");

        var templates = list.GetProperty("templates").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(["newsletter", "password-reset", "video-failed", "video-ready", "welcome"], templates.Keys);
        var newsletter = templates["newsletter"];
        Assert.False(newsletter.GetProperty("builtIn").GetBoolean());
        Assert.Equal("The monthly news.", newsletter.GetProperty("description").GetString());
        Assert.Equal([("name", true, false), ("issue", false, false), ("archive", true, true)], newsletter.GetProperty("variables").EnumerateArray()
            .Select(v => (v.GetProperty("name").GetString(), v.GetProperty("required").GetBoolean(), v.GetProperty("link").GetBoolean())));
        var welcome = templates["welcome"].GetProperty("sources");
        Assert.Equal(("built-in", "folder", "built-in", "container"), (welcome.GetProperty("declaration").GetString(),
            welcome.GetProperty("subject").GetString(), welcome.GetProperty("text").GetString(), welcome.GetProperty("html").GetString()));
        Assert.True(templates["password-reset"].GetProperty("variables")[1].GetProperty("link").GetBoolean());
        // Where the files are is the operator's business: no path reaches a caller.
        Assert.DoesNotContain(fixture.Folder, list.GetRawText());
    }

    [Fact]
    public async Task Preview_RendersTheEmail_AndSendsNothing()
    {
        using var sender = await SenderAsync();
        var marker = $"Preview{Guid.NewGuid():N}";

        using var response = await sender.PostAsync("/api/email-templates/welcome/preview", Json($$$"""{"model": {"name": "{{{marker}}} <b>"}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var preview = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("welcome", preview.GetProperty("template").GetString());
        Assert.Equal($"Our own welcome, {marker} <b>", preview.GetProperty("subject").GetString());
        Assert.Contains($"Hello {marker} <b>,", preview.GetProperty("text").GetString());
        Assert.Equal($"<h1>Welcome aboard, {marker.ToUpperInvariant()} &lt;B&gt;!</h1>", preview.GetProperty("html").GetString());

        // Nothing was sent: an email sent after the preview arrives, and none before it carries the marker.
        var to = Unique("after-preview");
        using var after = await sender.PostAsJsonAsync("/api/emails", new { to, template = "welcome", model = new { name = "Ada" } });
        await after.AcceptedIdAsync();
        await fixture.Mail.WaitForAsync(e => e.To == to);
        Assert.DoesNotContain(await fixture.Mail.ReceivedAsync(), e => e.Subject.Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Preview_ChecksTheModel_AsSendingWould()
    {
        using var sender = await SenderAsync();

        var cases = new (string Path, string Body, HttpStatusCode Status, string? Field)[]
        {
            ("password-reset", """{"model": {"name": "Ada"}}""", HttpStatusCode.BadRequest, "model.resetLink"),
            ("password-reset", """{"model": {"name": "Ada", "resetLink": "https://evil.example/r"}}""", HttpStatusCode.BadRequest, "model.resetLink"),
            ("welcome", """{"model": {"name": {"first": "Ada"}}}""", HttpStatusCode.BadRequest, "model.name"),
            ("welcome", $$$"""{"model": {"name": "{{{new string('x', 4001)}}}"}}""", HttpStatusCode.BadRequest, "model.name"),
            ("welcome", "{}", HttpStatusCode.BadRequest, "model.name"),
            ("welcome", "{not json", HttpStatusCode.BadRequest, null),
            ("no-such-template", """{"model": {}}""", HttpStatusCode.NotFound, null),
        };
        foreach (var (path, body, status, field) in cases)
        {
            using var response = await sender.PostAsync($"/api/email-templates/{path}/preview", Json(body));
            var problem = await Api.AssertProblemAsync(response, status);
            if (field is not null)
                Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {problem}");
        }

        using var notJson = await sender.PostAsync("/api/email-templates/welcome/preview", new StringContent("name=Ada", Encoding.UTF8, "text/plain"));
        await Api.AssertProblemAsync(notJson, HttpStatusCode.UnsupportedMediaType);
    }
}
