using System.Security.Claims;
using Offload.Access;

namespace Offload.Tests.Access;

public class CallerTests
{
    private static Caller With(string owner, params string[] scopes) => new(owner, scopes.ToHashSet());

    [Fact]
    public void MaySee_OnlyItsOwn_UnlessAdmin()
    {
        var alice = With("key:alice", Scopes.Videos);

        Assert.True(alice.MaySee("key:alice"));
        Assert.False(alice.MaySee("key:bob"));
        Assert.False(alice.MaySee(null));
        Assert.True(With("key:root", Scopes.Admin).MaySee("key:bob"));
        Assert.True(With("key:root", Scopes.Admin).MaySee(null));
    }

    [Fact]
    public void Admin_HasEveryScope()
    {
        Assert.All(Scopes.All, s => Assert.True(With("key:root", Scopes.Admin).Has(s)));
        Assert.False(With("key:a", Scopes.Videos).Has(Scopes.Emails));
    }

    [Fact]
    public void From_ReadsWhatPrincipalWrote()
    {
        var caller = Caller.From(Caller.Principal("key:abc", [Scopes.Emails, Scopes.Emails], "test", "my app"));

        Assert.Equal("key:abc", caller.OwnerId);
        Assert.Equal([Scopes.Emails], caller.Scopes);
    }

    [Fact]
    public void From_AnUnauthenticatedRequest_IsABug() =>
        Assert.Throws<InvalidOperationException>(() => Caller.From(new ClaimsPrincipal(new ClaimsIdentity())));

    [Fact]
    public void EntraToken_RolesAndScopesBecomeScopes_AndTheObjectIdTheOwner()
    {
        var token = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim("oid", "00000000-0000-0000-0000-000000000001"),
            new Claim("sub", "pairwise-subject"),
            new Claim("roles", "Videos"),
            new Claim("roles", "Something.Else"),
            new Claim("scp", "emails openid"),
        ], "jwt"));

        var caller = Caller.From(EntraTokens.ToCaller(token, "Entra")!);

        Assert.Equal("entra:00000000-0000-0000-0000-000000000001", caller.OwnerId);
        Assert.Equal([Scopes.Emails, Scopes.Videos], caller.Scopes.Order());
    }

    [Fact]
    public void EntraToken_DelegatedScopeNamedAdmin_GrantsNothing()
    {
        var token = new ClaimsPrincipal(new ClaimsIdentity([new Claim("oid", "u1"), new Claim("scp", "admin videos")], "jwt"));

        Assert.Equal([Scopes.Videos], Caller.From(EntraTokens.ToCaller(token, "Entra")!).Scopes);
    }

    [Fact]
    public void EntraToken_WithoutASubject_IsNobody() =>
        Assert.Null(EntraTokens.ToCaller(new ClaimsPrincipal(new ClaimsIdentity([new Claim("roles", "admin")], "jwt")), "Entra"));
}
