using System.Diagnostics.CodeAnalysis;

namespace Offload.Jobs;

/// <summary>
/// Job ids are version 7 GUIDs in the 32-character lower-case "N" format: time-ordered, safe in URLs,
/// blob names and table keys, and never derived from anything a client sends.
/// </summary>
public static class JobId
{
    public const int Length = 32;

    public static string New() => Guid.CreateVersion7().ToString("N");

    public static bool IsValid([NotNullWhen(true)] string? value) =>
        value is { Length: Length } && value.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c));
}
