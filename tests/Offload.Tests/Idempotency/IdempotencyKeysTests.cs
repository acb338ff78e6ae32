using System.Security.Cryptography;
using Offload.Idempotency;
using Offload.Http;

namespace Offload.Tests.Idempotency;

public class IdempotencyKeysTests
{
    [Theory]
    [InlineData("8e03978e-40d5-43e8-bc93-6894a57f9324", true)]
    [InlineData("order 42 / retry #1", true)]
    [InlineData("", false)]
    [InlineData("tab\there", false)]
    [InlineData("ünïcode", false)]
    public void IsValid_TakesOneTo255PrintableAsciiCharacters(string key, bool valid) =>
        Assert.Equal(valid, IdempotencyKeys.IsValid(key));

    [Fact]
    public void IsValid_RefusesAKeyOver255Characters()
    {
        Assert.True(IdempotencyKeys.IsValid(new string('k', 255)));
        Assert.False(IdempotencyKeys.IsValid(new string('k', 256)));
    }

    [Fact]
    public void Fingerprint_IsTheSameForTheSameParts_AndDiffersWhenPartsMoveAcrossABoundary()
    {
        Assert.Equal(IdempotencyKeys.Fingerprint("a", "bc"), IdempotencyKeys.Fingerprint("a", "bc"));
        Assert.NotEqual(IdempotencyKeys.Fingerprint("a", "bc"), IdempotencyKeys.Fingerprint("ab", "c"));
        Assert.NotEqual(IdempotencyKeys.Fingerprint("a", null), IdempotencyKeys.Fingerprint("a", ""));
    }

    [Fact]
    public async Task SizeLimitedStream_HashesWhatPassed_WithoutKeepingIt()
    {
        var bytes = new byte[3 * 1024 * 1024 + 7];
        Random.Shared.NextBytes(bytes);
        using var stream = new SizeLimitedStream(new MemoryStream(bytes), bytes.Length, hash: true);

        await stream.CopyToAsync(Stream.Null);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), stream.Sha256);
    }
}
