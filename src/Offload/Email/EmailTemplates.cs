using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Offload.Http;

namespace Offload.Email;

/// <summary>A rendered email: subject, plain text and HTML.</summary>
public sealed record RenderedEmail(string Subject, string Text, string Html);

/// <summary>
/// The built-in templates. Each names the model fields it needs; values are inserted in one pass (a value that
/// looks like a placeholder stays text) and HTML-encoded in the HTML part, so a model cannot inject markup. A model
/// reaches the body and the subject only, never another header: the sender and recipient are set apart from it.
/// </summary>
public static partial class EmailTemplates
{
    private sealed record Template(string Subject, string Text, string Html, string[] Required, string[] Links);

    private static readonly Dictionary<string, Template> All = new(StringComparer.Ordinal)
    {
        ["welcome"] = new(
            "Welcome to Offload, {{name}}",
            "Hello {{name}},\n\nyour account is ready. Upload a video and we will make it play everywhere.\n\nThe Offload team",
            "<p>Hello {{name}},</p><p>your account is ready. Upload a video and we will make it play everywhere.</p><p>The Offload team</p>",
            ["name"], []),
        ["password-reset"] = new(
            "Reset your Offload password",
            "Hello {{name}},\n\nsomeone asked to reset your password. If it was you, open this link:\n{{resetLink}}\n\nIf it was not, ignore this email.",
            "<p>Hello {{name}},</p><p>someone asked to reset your password. If it was you, <a href=\"{{resetLink}}\">reset it here</a>.</p><p>If it was not, ignore this email.</p>",
            ["name", "resetLink"], ["resetLink"]),
        ["video-ready"] = new(
            "Your video is ready",
            "Your video {{videoId}} is ready to play (status: {{status}}).\n\nDownload it: {{downloadUrl}}",
            "<p>Your video <code>{{videoId}}</code> is ready to play (status: {{status}}).</p><p><a href=\"{{downloadUrl}}\">Download it</a></p>",
            ["videoId", "status", "downloadUrl"], ["downloadUrl"]),
        ["video-failed"] = new(
            "Your video could not be processed",
            "We could not process your video {{videoId}}.\n\nReason: {{reason}}",
            "<p>We could not process your video <code>{{videoId}}</code>.</p><p>Reason: {{reason}}</p>",
            ["videoId", "reason"], []),
    };

    public static IReadOnlyCollection<string> Names => All.Keys;

    public static bool Exists(string? name) => name is not null && All.ContainsKey(name);

    // Stored as written (no \u escapes for '<' or non-ASCII), so its size is close to what the caller sent.
    private static readonly JsonSerializerOptions StoredJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The model as a job stores it: a JSON object, names in ordinal order.</summary>
    public static string Serialize(IReadOnlyDictionary<string, string> model) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(model.ToDictionary(), StringComparer.Ordinal), StoredJson);

    /// <summary>
    /// The first problem with a model for a template, as (field, message); <c>null</c> when it is usable. Its link
    /// fields are then rewritten in <paramref name="model"/> to the form <paramref name="links"/> checked.
    /// </summary>
    public static (string Field, string Message)? Validate(string template, Dictionary<string, string> model, EmailLinks links)
    {
        foreach (var (name, value) in model)
        {
            if (name.Length > RequestLimits.MaxModelFieldNameLength)
                return ("model", $"Model field names may have at most {RequestLimits.MaxModelFieldNameLength} characters; one has {name.Length}.");
            if (value.Length > RequestLimits.MaxModelValueLength)
                return ($"model.{name}", $"'model.{name}' may have at most {RequestLimits.MaxModelValueLength} characters; it has {value.Length}.");
        }

        var definition = All[template];
        foreach (var field in definition.Required)
        {
            if (!model.TryGetValue(field, out var value) || string.IsNullOrWhiteSpace(value))
                return ($"model.{field}", $"The template '{template}' needs 'model.{field}'.");
        }

        foreach (var field in definition.Links)
        {
            if (!links.TryCheck(model[field], out var link, out var problem))
                return ($"model.{field}", $"'model.{field}' {problem}.");
            model[field] = link;
        }

        var bytes = Encoding.UTF8.GetByteCount(Serialize(model));
        return bytes > RequestLimits.MaxModelBytes
            ? ("model", $"The model may have at most {RequestLimits.MaxModelBytes} bytes as JSON; it has {bytes}.")
            : null;
    }

    public static RenderedEmail Render(string template, IReadOnlyDictionary<string, string> model)
    {
        var definition = All[template];
        return new RenderedEmail(
            OneLine(Fill(definition.Subject, model, encode: false)),
            Fill(definition.Text, model, encode: false),
            Fill(definition.Html, model, encode: true));
    }

    private static string Fill(string text, IReadOnlyDictionary<string, string> model, bool encode) =>
        Placeholder().Replace(text, m =>
        {
            var value = model.TryGetValue(m.Groups[1].Value, out var v) ? v : "";
            return encode ? WebUtility.HtmlEncode(value) : value;
        });

    // A header line: no line break of any kind, and no other control character a mail server might act on.
    private static string OneLine(string text) => string.Create(text.Length, text, (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
            span[i] = char.IsControl(source[i]) || source[i] is '\u2028' or '\u2029' ? ' ' : source[i];
    });

    [GeneratedRegex(@"\{\{(\w+)\}\}")]
    private static partial Regex Placeholder();
}
