using Offload.Email;

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
        Assert.Equal(field, EmailTemplates.Validate(template, values)?.Field);
    }

    [Fact]
    public void Validate_AcceptsACompleteModel() =>
        Assert.Null(EmailTemplates.Validate("video-ready", new Dictionary<string, string>
        {
            ["videoId"] = "1", ["status"] = "succeeded", ["downloadUrl"] = "https://x.test/api/videos/1/output",
        }));
}
