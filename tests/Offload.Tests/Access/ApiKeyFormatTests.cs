using System.Text.RegularExpressions;
using Offload.Access;

namespace Offload.Tests.Access;

public partial class ApiKeyFormatTests
{
    [GeneratedRegex("^offload_[0-9a-f]{16}_[0-9A-Za-z]{43}$")]
    private static partial Regex ScannerPattern();

    [Fact]
    public void New_MatchesTheScannerPattern_AndCarriesItsId()
    {
        var keys = Enumerable.Range(0, 500).Select(_ => ApiKeyFormat.New()).ToList();

        Assert.All(keys, k => Assert.Matches(ScannerPattern(), k.Key));
        Assert.All(keys, k => Assert.Equal(k.Id, ApiKeyFormat.IdOf(k.Key)));
        Assert.Equal(keys.Count, keys.Select(k => k.Key).Distinct().Count());
    }

    [Fact]
    public void New_Uses256RandomBits()
    {
        // 43 base62 characters hold log2(62^43) ≈ 256.03 bits; the generator fills them from 32 random bytes.
        Assert.True(ApiKeyFormat.SecretLength * Math.Log2(62) >= 256);
    }

    [Theory]
    [InlineData("")]
    [InlineData("offload_0123456789abcdef_")]
    [InlineData("offload_0123456789ABCDEF_0000000000000000000000000000000000000000000")]
    [InlineData("offload_0123456789abcdef-0000000000000000000000000000000000000000000")]
    [InlineData("offload_0123456789abcdef_000000000000000000000000000000000000000000!")]
    [InlineData("ghp_0123456789abcdef_0000000000000000000000000000000000000000000000")]
    public void IdOf_RefusesAnythingElse(string key) => Assert.Null(ApiKeyFormat.IdOf(key));

    [Fact]
    public void HashMatches_OnlyTheSameKey()
    {
        var (_, key) = ApiKeyFormat.New();
        var hash = ApiKeyFormat.Hash(key);

        Assert.True(ApiKeyFormat.HashMatches(key, hash));
        Assert.False(ApiKeyFormat.HashMatches(key[..^1] + (key[^1] == 'a' ? 'b' : 'a'), hash));
        Assert.DoesNotContain(key[^43..], hash);
    }
}
