using System.ComponentModel.DataAnnotations;
using Offload.Email;

namespace Offload.Tests.Email;

public class EmailLinksTests
{
    private static readonly EmailLinks Links = new(["app.example", "127.0.0.1"]);

    [Theory]
    [InlineData("https://app.example/reset?token=abc", "https://app.example/reset?token=abc")]
    [InlineData("https://APP.Example/reset", "https://app.example/reset")]
    [InlineData("https://app.example:8443/reset", "https://app.example:8443/reset")]
    [InlineData("http://127.0.0.1:7071/api/videos/1/output", "http://127.0.0.1:7071/api/videos/1/output")]
    public void Accepts_HttpsOnAnAllowedHost_AndHttpOnLoopback(string value, string link)
    {
        Assert.True(Links.TryCheck(value, out var checkedLink, out _));
        Assert.Equal(link, checkedLink);
    }

    [Theory]
    [InlineData("https://evil.example/reset")]
    [InlineData("https://app.example.evil.example/reset")]   // a subdomain of another host
    [InlineData("https://evil.app.example/reset")]           // exact match only: no subdomains
    [InlineData("https://app.example./reset")]               // a trailing dot is another name
    [InlineData("https://app.example@evil.example/reset")]   // userinfo: reads as app.example, goes to evil.example
    [InlineData("https://user:pass@app.example/reset")]      // userinfo on the right host: refused too
    [InlineData("https://app.example%2F@evil.example/")]
    [InlineData("https://evil.example\\@app.example/")]
    [InlineData("https://аpp.example/reset")]                // Cyrillic 'а': another host
    [InlineData("http://app.example/reset")]                 // plain http off loopback
    [InlineData("javascript:alert(1)")]
    [InlineData("ftp://app.example/reset")]
    [InlineData("//app.example/reset")]
    [InlineData("/reset")]
    [InlineData("")]
    public void Refuses_EverythingElse(string value)
    {
        Assert.False(Links.TryCheck(value, out var link, out var problem));
        Assert.Null(link);
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void Options_DefaultToTheHostOfTheLinkBaseUrl()
    {
        var options = new EmailOptions { LinkBaseUrl = "https://Offload.Example.com/" };

        Assert.Equal(["offload.example.com"], options.LinkHosts);
        Assert.Empty(Validate(options));
    }

    [Theory]
    [InlineData("https://api.example", "https://api.example", "app.example")]  // the app's own links would be refused
    [InlineData("http://api.example", "http://api.example", "")]                // plain http off loopback
    [InlineData("https://api.example", "https://api.example", "https://api.example")] // a URL, not a host
    public void Options_FailOnStart_WhenTheAppsOwnLinksWouldBeRefused(string _, string linkBaseUrl, string allowed)
    {
        var options = new EmailOptions { LinkBaseUrl = linkBaseUrl, AllowedLinkHosts = allowed.Length == 0 ? [] : [allowed] };

        Assert.NotEmpty(Validate(options));
    }

    [Theory]
    [InlineData("00:00:00.500", false)]
    [InlineData("00:00:01", true)]
    [InlineData("00:10:00", true)]
    [InlineData("00:10:01", false)]
    public void SmtpIdleTimeout_IsBetweenASecondAndTenMinutes(string idleTimeout, bool valid) =>
        Assert.Equal(valid, Validate(new EmailOptions { SmtpIdleTimeout = TimeSpan.Parse(idleTimeout, System.Globalization.CultureInfo.InvariantCulture) }).Count == 0);

    private static List<ValidationResult> Validate(EmailOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
