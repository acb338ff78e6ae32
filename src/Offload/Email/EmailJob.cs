using System.Text.Json;
using Azure.Data.Tables;
using Offload.Jobs;

namespace Offload.Email;

/// <summary>The kind of work that sends one email from a template over SMTP.</summary>
public static class EmailJob
{
    /// <summary>The kind's name, stored on every email job.</summary>
    public const string Kind = "email";

    /// <summary>An email job stored before payloads, with its recipient, template and model (JSON) in columns of their own.</summary>
    public static (EmailPayload Payload, object? Result) FromLegacyRow(TableEntity row)
    {
        var model = row.GetString("EmailModel") is { } json
            ? JsonSerializer.Deserialize<SortedDictionary<string, string>>(json) ?? []
            : new SortedDictionary<string, string>(StringComparer.Ordinal);
        return (new EmailPayload(row.GetString("EmailTo") ?? "", row.GetString("EmailTemplate") ?? "", model), null);
    }
}

/// <summary>What an email job carries: the recipient, the template, and the model it was validated with (names in ordinal order).</summary>
public sealed record EmailPayload(string To, string Template, IReadOnlyDictionary<string, string> Model) : IJobPayload
{
    public static int Version => 1;
}
