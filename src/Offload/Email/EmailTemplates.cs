using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Fluid;
using Offload.Http;

namespace Offload.Email;

/// <summary>A rendered email: subject, plain text and HTML.</summary>
public sealed record RenderedEmail(string Subject, string Text, string Html);

/// <summary>A variable a template declares: whether a model must give it, and whether it is a link (<see cref="EmailLinks"/>).</summary>
public sealed record EmailTemplateVariable(string Name, bool Required, bool Link, string? Description);

/// <summary>
/// One checked template: its declaration, its three Liquid parts, and which layer each of its files came from
/// (<c>built-in</c>, <c>folder</c> or <c>container</c>), so an operator can see an override took.
/// </summary>
public sealed class EmailTemplate
{
    public required string Name { get; init; }
    public string? Description { get; init; }

    /// <summary>One of the app's own templates: an override of it keeps its variables (<see cref="EmailTemplateLoader"/>).</summary>
    public required bool BuiltIn { get; init; }

    public required IReadOnlyList<EmailTemplateVariable> Variables { get; init; }

    /// <summary>Part (<c>declaration</c>, <c>subject</c>, <c>text</c>, <c>html</c>) to the layer its file came from.</summary>
    public required IReadOnlyDictionary<string, string> Sources { get; init; }

    internal IFluidTemplate Subject { get; init; } = null!;
    internal IFluidTemplate Text { get; init; } = null!;
    internal IFluidTemplate Html { get; init; } = null!;
}

/// <summary>
/// The email templates, loaded and checked once at start-up (<see cref="EmailTemplateSources"/>): the built-in
/// ones and whatever overrides or adds to them. Each declares its variables; a model gives values for them only,
/// which Fluid inserts in one pass (a value that looks like <c>{{ placeholder }}</c> stays text), HTML-encoded in the
/// HTML part, so a model cannot inject markup. A model reaches the body and the subject only, never another header:
/// the sender and recipient are set apart from it, and the subject is kept to one line.
/// </summary>
public sealed class EmailTemplates
{
    /// <summary>
    /// How every part renders. Model names match as written (Fluid's default ignores case, so <c>{{ Name }}</c> would
    /// quietly read <c>name</c>, which the start-up check could not see); an unknown filter is an error, not a no-op.
    /// </summary>
    internal static readonly TemplateOptions Options = new()
    {
        ModelNamesComparer = StringComparer.Ordinal,
        StrictFilters = true,
        CultureInfo = CultureInfo.InvariantCulture,
        TimeZone = TimeZoneInfo.Utc,
        // A loop that runs away fails the render (a 400 when queued) instead of holding a worker.
        MaxSteps = 100_000,
    };

    // Encodes what HTML needs encoded (< > & " ' and the like), and leaves "Zoë" readable in the source.
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly Dictionary<string, EmailTemplate> _templates;

    public EmailTemplates(IEnumerable<EmailTemplate> templates)
    {
        _templates = templates.ToDictionary(t => t.Name, StringComparer.Ordinal);
        All = [.. _templates.Values.OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

    /// <summary>Every template, by name.</summary>
    public IReadOnlyList<EmailTemplate> All { get; }

    public IReadOnlyCollection<string> Names => _templates.Keys;

    public bool Exists(string? name) => name is not null && _templates.ContainsKey(name);

    public EmailTemplate? Find(string? name) => name is not null && _templates.TryGetValue(name, out var template) ? template : null;

    // Stored as written (no \u escapes for '<' or non-ASCII), so its size is close to what the caller sent.
    private static readonly JsonSerializerOptions StoredJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The model as a job stores it: a JSON object, names in ordinal order.</summary>
    public static string Serialize(IReadOnlyDictionary<string, string> model) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(model.ToDictionary(), StringComparer.Ordinal), StoredJson);

    /// <summary>
    /// The first problem with a model for a template, as (field, message); <c>null</c> when it is usable. Its link
    /// fields are then rewritten in <paramref name="model"/> to the form <paramref name="links"/> checked. The same
    /// caps and link rules hold for every template, built-in or not.
    /// </summary>
    public (string Field, string Message)? Validate(string template, Dictionary<string, string> model, EmailLinks links)
    {
        foreach (var (name, value) in model)
        {
            if (name.Length > RequestLimits.MaxModelFieldNameLength)
                return ("model", $"Model field names may have at most {RequestLimits.MaxModelFieldNameLength} characters; one has {name.Length}.");
            if (value.Length > RequestLimits.MaxModelValueLength)
                return ($"model.{name}", $"'model.{name}' may have at most {RequestLimits.MaxModelValueLength} characters; it has {value.Length}.");
        }

        var definition = _templates[template];
        if (definition.Variables.FirstOrDefault(v => v.Required && !IsGiven(model, v.Name)) is { } missing)
            return ($"model.{missing.Name}", $"The template '{template}' needs 'model.{missing.Name}'.");

        foreach (var variable in definition.Variables.Where(v => v.Link && IsGiven(model, v.Name)))
        {
            if (!links.TryCheck(model[variable.Name], out var link, out var problem))
                return ($"model.{variable.Name}", $"'model.{variable.Name}' {problem}.");
            model[variable.Name] = link;
        }

        var bytes = Encoding.UTF8.GetByteCount(Serialize(model));
        if (bytes > RequestLimits.MaxModelBytes)
            return ("model", $"The model may have at most {RequestLimits.MaxModelBytes} bytes as JSON; it has {bytes}.");

        // A template may compute with its values (divided_by, date ...): a model it cannot render with is refused
        // now, with the reason, rather than failing every delivery attempt later.
        try
        {
            Render(template, model);
            return null;
        }
        catch (Exception ex) when (IsRenderFault(ex))
        {
            return ("model", $"The template '{template}' cannot be rendered with this model: {ex.Message}");
        }
    }

    public RenderedEmail Render(string template, IReadOnlyDictionary<string, string> model)
    {
        var definition = _templates[template];
        return new RenderedEmail(
            OneLine(Render(definition.Subject, definition, model, NullEncoder.Default)).Trim(),
            Render(definition.Text, definition, model, NullEncoder.Default),
            Render(definition.Html, definition, model, Html));
    }

    /// <summary>What Fluid throws when a checked template meets a model it cannot compute with.</summary>
    public static bool IsRenderFault(Exception ex) =>
        ex is FluidException or ArithmeticException or FormatException or ArgumentException or InvalidOperationException;

    // Only declared variables reach the template; one not given stays undefined, so {% if company %} reads false
    // (in Liquid an empty string is true).
    private static string Render(IFluidTemplate part, EmailTemplate definition, IReadOnlyDictionary<string, string> model, TextEncoder encoder)
    {
        var context = new TemplateContext(Options);
        foreach (var variable in definition.Variables)
        {
            if (model.TryGetValue(variable.Name, out var value) && !string.IsNullOrWhiteSpace(value))
                context.SetValue(variable.Name, value);
        }

        return part.Render(context, encoder);
    }

    private static bool IsGiven(IReadOnlyDictionary<string, string> model, string name) =>
        model.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value);

    // A header line: no line break of any kind, and no other control character a mail server might act on.
    private static string OneLine(string text) => string.Create(text.Length, text, (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
            span[i] = EmailAddress.IsControl(source[i]) ? ' ' : source[i];
    });
}
