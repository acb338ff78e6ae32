using Offload.Email;
using Offload.Http;

namespace Offload.Tests.Email;

/// <summary>The built-in templates as shipped (read from the build output), rendered and validated.</summary>
public class EmailTemplatesTests
{
    private static readonly EmailTemplates Templates = TemplateLayers.Load();

    [Fact]
    public void Names_AreTheFourBuiltInTemplates() =>
        Assert.Equal(["password-reset", "video-failed", "video-ready", "welcome"], Templates.Names.Order());

    [Fact]
    public void BuiltIns_DeclareTheirVariables_AndWhichAreLinks()
    {
        var reset = Templates.Find("password-reset")!;

        Assert.True(reset.BuiltIn);
        Assert.Equal([("name", true, false), ("resetLink", true, true)], reset.Variables.Select(v => (v.Name, v.Required, v.Link)));
        Assert.Equal(["downloadUrl"], Templates.Find("video-ready")!.Variables.Where(v => v.Link).Select(v => v.Name));
        Assert.All(Templates.All, t => Assert.All(t.Sources.Values, s => Assert.Equal("built-in", s)));
    }

    [Fact]
    public void Render_FillsSubjectTextAndHtml()
    {
        var email = Templates.Render("password-reset", new Dictionary<string, string> { ["name"] = "Ada", ["resetLink"] = "https://x.test/r?a=1&b=2" });

        Assert.Equal("Reset your Offload password", email.Subject);
        Assert.Contains("Hello Ada,", email.Text);
        Assert.Contains("https://x.test/r?a=1&b=2", email.Text);
        Assert.Contains("href=\"https://x.test/r?a=1&amp;b=2\"", email.Html);
    }

    [Fact]
    public void Render_HtmlEncodesValues_AndDoesNotExpandPlaceholdersInsideThem()
    {
        var email = Templates.Render("welcome", new Dictionary<string, string> { ["name"] = "\"><img src=x onerror=alert(1)> {{name}} {% if true %}" });

        Assert.Contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt; {{name}} {% if true %}", email.Html);
        Assert.DoesNotContain("<img", email.Html);
        Assert.Contains("\"><img src=x onerror=alert(1)> {{name}} {% if true %}", email.Text); // plain text is not HTML
    }

    [Fact]
    public void Render_KeepsNonAsciiReadableInTheHtml() =>
        Assert.Contains("Hello Zoë,", Templates.Render("welcome", new Dictionary<string, string> { ["name"] = "Zoë" }).Html);

    [Fact]
    public void Render_KeepsTheSubjectOnOneLine()
    {
        var email = Templates.Render("welcome", new Dictionary<string, string> { ["name"] = "Ada\r\nBcc: victim@example.com" });

        Assert.DoesNotContain('\n', email.Subject);
        Assert.DoesNotContain('\r', email.Subject);
        Assert.Equal("Welcome to Offload, Ada  Bcc: victim@example.com", email.Subject);
    }

    [Theory]
    [InlineData("welcome", "", "model.name")]
    [InlineData("welcome", "name=  ", "model.name")]
    [InlineData("password-reset", "name=Ada", "model.resetLink")]
    [InlineData("password-reset", "name=Ada;resetLink=ftp://x", "model.resetLink")]
    [InlineData("password-reset", "name=Ada;resetLink=/relative", "model.resetLink")]
    [InlineData("video-ready", "videoId=1;status=succeeded", "model.downloadUrl")]
    [InlineData("video-failed", "videoId=1", "model.reason")]
    public void Validate_NamesTheMissingOrBadField(string template, string model, string field)
    {
        var values = model.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(field, Templates.Validate(template, values, Links)?.Field);
    }

    private static readonly EmailLinks Links = new(["x.test"]);

    [Fact]
    public void Validate_AcceptsACompleteModel() =>
        Assert.Null(Templates.Validate("video-ready", new Dictionary<string, string>
        {
            ["videoId"] = "1", ["status"] = "succeeded", ["downloadUrl"] = "https://x.test/api/videos/1/output",
        }, Links));

    [Fact]
    public void Validate_RefusesALinkToAnotherHost_NamingTheField()
    {
        var problem = Templates.Validate("password-reset", new Dictionary<string, string>
        {
            ["name"] = "Ada", ["resetLink"] = "https://evil.example/reset?token=abc",
        }, Links);

        Assert.Equal("model.resetLink", problem?.Field);
        Assert.Contains("x.test", problem?.Message);
    }

    [Fact]
    public void Validate_RewritesALinkToTheFormItChecked()
    {
        var model = new Dictionary<string, string> { ["name"] = "Ada", ["resetLink"] = " https://X.test/reset?t=a b\r\n" };

        Assert.Null(Templates.Validate("password-reset", model, Links));
        Assert.Equal("https://x.test/reset?t=a%20b", model["resetLink"]);
    }

    [Theory]
    [InlineData(RequestLimits.MaxModelValueLength, null)]
    [InlineData(RequestLimits.MaxModelValueLength + 1, "model.name")]
    [InlineData(70_000, "model.name")]
    public void Validate_CapsEachValue(int length, string? field) =>
        Assert.Equal(field, Templates.Validate("welcome", new Dictionary<string, string> { ["name"] = new('x', length) }, Links)?.Field);

    [Theory]
    [InlineData(RequestLimits.MaxModelFieldNameLength, null)]
    [InlineData(RequestLimits.MaxModelFieldNameLength + 1, "model")]
    public void Validate_CapsFieldNames(int length, string? field) =>
        Assert.Equal(field, Templates.Validate("welcome", new Dictionary<string, string> { ["name"] = "Ada", [new string('n', length)] = "v" }, Links)?.Field);

    [Fact]
    public void Validate_CapsTheWholeModel_AsStored()
    {
        // Five values under the cap each, more than 16 KiB together.
        var model = Enumerable.Range(0, 5).ToDictionary(i => $"extra{i}", _ => new string('x', RequestLimits.MaxModelValueLength));
        model["name"] = "Ada";

        var problem = Templates.Validate("welcome", model, Links);

        Assert.Equal("model", problem?.Field);
        Assert.Contains($"{RequestLimits.MaxModelBytes} bytes", problem?.Message);
    }

    [Fact]
    public void Render_ShowsOnlyDeclaredVariables()
    {
        // A model field the template does not declare never reaches it, whatever its name.
        var email = Templates.Render("video-failed", new Dictionary<string, string> { ["videoId"] = "1", ["reason"] = "r", ["forloop"] = "x" });

        Assert.Contains("Reason: r", email.Text);
    }

    [Fact]
    public void Serialize_StoresTextAsWritten_SoItsSizeIsWhatWasSent()
    {
        var json = EmailTemplates.Serialize(new Dictionary<string, string> { ["name"] = "<Zoë> & 'Ada'" });

        Assert.Equal("{\"name\":\"<Zoë> & 'Ada'\"}", json);
    }

    [Theory]
    [InlineData("Ada\u0000\u000b\u001b[31m")]
    [InlineData("Ada\u2028Bcc: victim@example.com")]
    [InlineData("Ada\u0085Bcc: victim@example.com")]
    public void Render_KeepsControlCharactersOutOfTheSubject(string name)
    {
        var subject = Templates.Render("welcome", new Dictionary<string, string> { ["name"] = name }).Subject;

        Assert.DoesNotContain(subject, c => char.IsControl(c) || c is '\u2028' or '\u2029');
    }
}
