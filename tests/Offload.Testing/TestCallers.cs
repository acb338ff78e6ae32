using Offload.Access;

namespace Offload.Testing;

/// <summary>Callers for tests that run handlers directly, the way the API hands them who is calling.</summary>
public static class TestCallers
{
    public static Caller Owner { get; } = new("key:test-owner", new HashSet<string> { Scopes.Videos, Scopes.Emails, Scopes.Webhooks });

    public static Caller Stranger { get; } = new("key:test-stranger", new HashSet<string> { Scopes.Videos, Scopes.Emails, Scopes.Webhooks });

    public static Caller Admin { get; } = new("key:test-admin", new HashSet<string> { Scopes.Admin });
}
