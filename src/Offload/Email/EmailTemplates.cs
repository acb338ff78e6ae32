using System.Net;
using System.Text.RegularExpressions;

namespace Offload.Email;

/// <summary>A rendered email: subject, plain text and HTML.</summary>
public sealed record RenderedEmail(string Subject, string Text, string Html);

/// <summary>
/// The built-in templates. Each names the model fields it needs; values are inserted in one pass (a value that
/// looks like a placeholder stays text) and HTML-encoded in the HTML part, so a model cannot inject markup.
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

    /// <summary>The first problem with a model for a template, as (field, message); <c>null</c> when it is usable.</summary>
    public static (string Field, string Message)? Validate(string template, IReadOnlyDictionary<string, string> model)
    {
        var definition = All[template];
        foreach (var field in definition.Required)
        {
            if (!model.TryGetValue(field, out var value) || string.IsNullOrWhiteSpace(value))
                return ($"model.{field}", $"The template '{template}' needs 'model.{field}'.");
        }

        foreach (var field in definition.Links)
        {
            if (!Uri.TryCreate(model[field], UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
                return ($"model.{field}", $"'model.{field}' must be an absolute http(s) URL.");
        }

        return null;
    }

    public static RenderedEmail Render(string template, IReadOnlyDictionary<string, string> model)
    {
        var definition = All[template];
        return new RenderedEmail(
            Fill(definition.Subject, model, encode: false).ReplaceLineEndings(" "),
            Fill(definition.Text, model, encode: false),
            Fill(definition.Html, model, encode: true));
    }

    private static string Fill(string text, IReadOnlyDictionary<string, string> model, bool encode) =>
        Placeholder().Replace(text, m =>
        {
            var value = model.TryGetValue(m.Groups[1].Value, out var v) ? v : "";
            return encode ? WebUtility.HtmlEncode(value) : value;
        });

    [GeneratedRegex(@"\{\{(\w+)\}\}")]
    private static partial Regex Placeholder();
}
