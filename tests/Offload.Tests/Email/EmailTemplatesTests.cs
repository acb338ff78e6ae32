using Offload.Email;
using Offload.Http;

namespace Offload.Tests.Email;

public class EmailTemplatesTests
{
    [Fact]
    public void Names_AreTheFourBuiltInTemplates() =>
        Assert.Equal(["password-reset", "video-failed", "video-ready", "welcome"], EmailTemplates.Names.Order());

    [Fact]
    public void Render_FillsSubjectTextAndHtml()
    {
        var email = EmailTemplates.Render("password-reset", new Dictionary<string, string> { ["name"] = "Ada", ["resetLink"] = "https://x.test/r?a=1&b=2" });

        Assert.Equal("Reset your Offload password", email.Subject);
        Assert.Contains("Hello Ada,", email.Text);
        Assert.Contains("https://x.test/r?a=1&b=2", email.Text);
        Assert.Contains("href=\"https://x.test/r?a=1&amp;b=2\"", email.Html);
    }

    [Fact]
    public void Render_HtmlEncodesValues_AndDoesNotExpandPlaceholdersInsideThem()
    {
        var email = EmailTemplates.Render("welcome", new Dictionary<string, string> { ["name"] = "\"><img src=x onerror=alert(1)> {{name}}" });

        Assert.Contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt; {{name}}", email.Html);
        Assert.DoesNotContain("<img", email.Html);
    }

    [Fact]
    public void Render_KeepsTheSubjectOnOneLine()
    {
        var email = EmailTemplates.Render("welcome", new Dictionary<string, string> { ["name"] = "Ada\r\nBcc: victim@example.com" });

        Assert.DoesNotContain('\n', email.Subject);
        Assert.DoesNotContain('\r', email.Subject);
    }

    [Theory]
    [InlineData("welcome", "", "model.name")]
    [InlineData("password-reset", "name=Ada", "model.resetLink")]
    [InlineData("password-reset", "name=Ada;resetLink=ftp://x", "model.resetLink")]
    [InlineData("password-reset", "name=Ada;resetLink=/relative", "model.resetLink")]
    [InlineData("video-ready", "videoId=1;status=succeeded", "model.downloadUrl")]
    [InlineData("video-failed", "videoId=1", "model.reason")]
    public void Validate_NamesTheMissingOrBadField(string template, string model, string field)
    {
        var values = model.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(field, EmailTemplates.Validate(template, values, Links)?.Field);
    }

    private static readonly EmailLinks Links = new(["x.test"]);

    [Fact]
    public void Validate_AcceptsACompleteModel() =>
        Assert.Null(EmailTemplates.Validate("video-ready", new Dictionary<string, string>
        {
            ["videoId"] = "1", ["status"] = "succeeded", ["downloadUrl"] = "https://x.test/api/videos/1/output",
        }, Links));

    [Fact]
    public void Validate_RefusesALinkToAnotherHost_NamingTheField()
    {
        var problem = EmailTemplates.Validate("password-reset", new Dictionary<string, string>
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

        Assert.Null(EmailTemplates.Validate("password-reset", model, Links));
        Assert.Equal("https://x.test/reset?t=a%20b", model["resetLink"]);
    }

    [Theory]
    [InlineData(RequestLimits.MaxModelValueLength, null)]
    [InlineData(RequestLimits.MaxModelValueLength + 1, "model.name")]
    [InlineData(70_000, "model.name")]
    public void Validate_CapsEachValue(int length, string? field) =>
        Assert.Equal(field, EmailTemplates.Validate("welcome", new Dictionary<string, string> { ["name"] = new('x', length) }, Links)?.Field);

    [Theory]
    [InlineData(RequestLimits.MaxModelFieldNameLength, null)]
    [InlineData(RequestLimits.MaxModelFieldNameLength + 1, "model")]
    public void Validate_CapsFieldNames(int length, string? field) =>
        Assert.Equal(field, EmailTemplates.Validate("welcome", new Dictionary<string, string> { ["name"] = "Ada", [new string('n', length)] = "v" }, Links)?.Field);

    [Fact]
    public void Validate_CapsTheWholeModel_AsStored()
    {
        // Five values under the cap each, more than 16 KiB together.
        var model = Enumerable.Range(0, 5).ToDictionary(i => $"extra{i}", _ => new string('x', RequestLimits.MaxModelValueLength));
        model["name"] = "Ada";

        var problem = EmailTemplates.Validate("welcome", model, Links);

        Assert.Equal("model", problem?.Field);
        Assert.Contains($"{RequestLimits.MaxModelBytes} bytes", problem?.Message);
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
        var subject = EmailTemplates.Render("welcome", new Dictionary<string, string> { ["name"] = name }).Subject;

        Assert.DoesNotContain(subject, c => char.IsControl(c) || c is '\u2028' or '\u2029');
    }
}
