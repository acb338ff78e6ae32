using System.ComponentModel.DataAnnotations;
using Offload.Access;

namespace Offload.Tests.Access;

public class AuthOptionsTests
{
    private static List<ValidationResult> Validate(AuthOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Defaults_AreValid() => Assert.Empty(Validate(new AuthOptions()));

    [Theory]
    [InlineData("short")]
    [InlineData("thirty-two characters but spaces in it")]
    public void AdminKey_MustBeLongAndWithoutSpaces(string key) =>
        Assert.Contains(Validate(new AuthOptions { AdminKey = key }), r => r.MemberNames.Contains(nameof(AuthOptions.AdminKey)));

    [Fact]
    public void Entra_NeedsBothTenantAndAudience()
    {
        Assert.NotEmpty(Validate(new AuthOptions { Entra = new EntraOptions { TenantId = "t" } }));
        Assert.Empty(Validate(new AuthOptions { Entra = new EntraOptions { TenantId = "t", Audience = "api://x" } }));
    }

    [Theory]
    [InlineData("http://login.example.com/", false)]
    [InlineData("http://127.0.0.1:5000/", true)]
    [InlineData("https://login.microsoftonline.com/", true)]
    public void Entra_InstanceIsHttps_ExceptOnLoopback(string instance, bool valid) =>
        Assert.Equal(valid, Validate(new AuthOptions { Entra = new EntraOptions { Instance = instance } }).Count == 0);

    [Fact]
    public void Entra_AuthorityIsTheTenantsV2Endpoint() =>
        Assert.Equal("https://login.microsoftonline.com/contoso/v2.0",
            new EntraOptions { TenantId = "contoso", Audience = "a" }.Authority);
}
