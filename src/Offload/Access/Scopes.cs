namespace Offload.Access;

/// <summary>
/// What a credential may do. Each route names the one it needs (its authorization policy has the same name);
/// <see cref="Admin"/> implies every other scope and sees every owner's jobs.
/// </summary>
public static class Scopes
{
    public const string Videos = "videos";
    public const string Emails = "emails";
    public const string Webhooks = "webhooks";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Videos, Emails, Webhooks, Admin];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);
}
