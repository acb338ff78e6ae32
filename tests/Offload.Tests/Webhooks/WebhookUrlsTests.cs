using System.Net;
using Offload.Webhooks;

namespace Offload.Tests.Webhooks;

public class WebhookUrlsTests
{
    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("2606:4700:4700::1111")]
    public void PublicAddresses_AreAllowed(string address) => Assert.True(WebhookUrls.IsAllowed(IPAddress.Parse(address), allowLoopback: false));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.1.2.3")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")] // cloud metadata
    [InlineData("100.64.0.1")]      // carrier-grade NAT
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:10.0.0.1")]  // IPv4-mapped private
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("2001:db8::1")]
    [InlineData("64:ff9b::a00:1")]   // NAT64 of 10.0.0.1
    [InlineData("64:ff9b:1::a00:1")] // local-use NAT64
    [InlineData("::a00:1")]          // IPv4-compatible
    [InlineData("2002:a00:1::1")]    // 6to4 of 10.0.0.1
    [InlineData("100::1")]           // discard-only
    [InlineData("168.63.129.16")]    // Azure WireServer
    public void InternalAddresses_AreRefused(string address) => Assert.False(WebhookUrls.IsAllowed(IPAddress.Parse(address), allowLoopback: false));

    [Fact]
    public void TheDevelopmentException_Is127001Only()
    {
        Assert.True(WebhookUrls.IsAllowed(IPAddress.Loopback, allowLoopback: true));
        Assert.False(WebhookUrls.IsAllowed(IPAddress.Parse("10.0.0.1"), allowLoopback: true));
        Assert.True(WebhookUrls.IsLoopbackHttp(new Uri("http://127.0.0.1:5000/x"), allowLoopbackHttp: true));
        Assert.False(WebhookUrls.IsLoopbackHttp(new Uri("http://127.0.0.1:5000/x"), allowLoopbackHttp: false));
        Assert.False(WebhookUrls.IsLoopbackHttp(new Uri("https://127.0.0.1/x"), allowLoopbackHttp: true));
        Assert.False(WebhookUrls.IsLoopbackHttp(new Uri("http://localhost/x"), allowLoopbackHttp: true));
    }

    [Theory]
    [InlineData("https://hooks.example.com/offload?token=abc", true)]
    [InlineData("http://hooks.example.com/offload", false)]
    [InlineData("https://user:secret@hooks.example.com/", false)]
    [InlineData("https://hooks.example.com/#x", false)]
    [InlineData("https://10.0.0.1/", false)]
    [InlineData("/relative", false)]
    [InlineData("", false)]
    public void TryParse_AcceptsPublicHttpsUrlsOnly(string url, bool ok) =>
        Assert.Equal(ok, WebhookUrls.TryParse(url, allowLoopbackHttp: false, out _, out _));
}

public class WebhookSignatureTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void Signature_IsTheStripeScheme_HmacSha256OfTimestampDotBody()
    {
        var header = WebhookSignature.Create(Now, "{\"a\":1}", ["whsec_test"]);

        // echo -n '1800000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("whsec_test"u8, "1800000000.{\"a\":1}"u8));
        Assert.Equal($"t=1800000000,v1={expected}", header);
    }

    [Fact]
    public void Verify_RefusesAnotherBody_AnotherSecret_AndAnOldTimestamp()
    {
        var header = WebhookSignature.Create(Now, "body", ["s1", "s2"]);

        Assert.True(WebhookSignature.Verify(header, "body", "s1", Now, TimeSpan.FromMinutes(5)));
        Assert.True(WebhookSignature.Verify(header, "body", "s2", Now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(header, "body!", "s1", Now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(header, "body", "s3", Now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(header, "body", "s1", Now + TimeSpan.FromMinutes(6), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Secrets_AreRandom_AndLongEnough()
    {
        var a = WebhookSignature.NewSecret();
        Assert.StartsWith("whsec_", a);
        Assert.Equal(6 + 64, a.Length);
        Assert.NotEqual(a, WebhookSignature.NewSecret());
    }
}
