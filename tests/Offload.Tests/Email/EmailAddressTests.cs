using Offload.Email;
using Offload.Http;

namespace Offload.Tests.Email;

/// <summary>The one address rule of <c>to</c>, <c>?notify=</c> and <c>notify</c>.</summary>
public class EmailAddressTests
{
    [Theory]
    [InlineData("a@example.com", "a@example.com")]
    [InlineData("Ada <a@example.com>", "a@example.com")]
    [InlineData("\"Lovelace, Ada\" <a@example.com>", "a@example.com")]
    [InlineData("<a@example.com>", "a@example.com")]
    [InlineData("first.last+tag@mail.example.co.uk", "first.last+tag@mail.example.co.uk")]
    [InlineData("zoë@bücher.example", "zoë@bücher.example")]
    [InlineData("A@Example.COM", "A@Example.COM")]
    public void Accepts_OneMailbox(string value, string address)
    {
        Assert.True(EmailAddress.TryParse(value, out var mailbox));
        Assert.Equal(address, mailbox.Address);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("nope")]
    [InlineData("a@")]
    [InlineData("@example.com")]
    [InlineData("a@@example.com")]
    [InlineData("a..b@example.com")]
    [InlineData("a@example..com")]
    [InlineData("a@localhost")]              // no dot: mail to it goes nowhere
    [InlineData("a@gmailcom")]
    [InlineData("a@-example.com")]
    [InlineData("a@[127.0.0.1]")]
    [InlineData("a@exa mple.com")]
    [InlineData("a@example.com, b@example.com")]                 // a list
    [InlineData("team: a@example.com, b@example.com;")]          // a group
    [InlineData("Ada <a@example.com> junk")]
    [InlineData("a@example.com\r\nBcc: b@example.com")]
    [InlineData("\"Ada\r\nBcc: b@example.com\" <a@example.com>")]
    [InlineData("=?utf-8?q?Ada=0D=0ABcc=3A_b=40example.com?= <a@example.com>")] // a line break hidden in an encoded name
    [InlineData("Ada\u2028Bcc: b@example.com <a@example.com>")]
    public void Refuses_EverythingElse(string value)
    {
        Assert.False(EmailAddress.TryParse(value, out var mailbox));
        Assert.Null(mailbox);
    }

    [Fact]
    public void Refuses_Null() => Assert.False(EmailAddress.IsValid(null));

    [Fact]
    public void IsCappedAtTheLengthMailServersAccept()
    {
        var local = new string('a', 64);
        var domain = string.Join('.', Enumerable.Repeat(new string('d', 60), 4)) + ".com";
        Assert.True($"{local}@{domain}".Length > RequestLimits.MaxEmailAddressLength);

        Assert.False(EmailAddress.IsValid($"{local}@{domain}"));
        Assert.False(EmailAddress.IsValid(new string('a', 70_000) + "@example.com"));
        Assert.True(EmailAddress.IsValid(new string('a', RequestLimits.MaxEmailAddressLength - "@example.com".Length) + "@example.com"));
    }

    [Fact]
    public void Requirement_NamesTheCap() =>
        Assert.Contains(RequestLimits.MaxEmailAddressLength.ToString(System.Globalization.CultureInfo.InvariantCulture), EmailAddress.Requirement);
}
