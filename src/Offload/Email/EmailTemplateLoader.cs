using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Fluid;
using Fluid.Ast;
using Fluid.Values;
using Offload.Http;

namespace Offload.Email;

/// <summary>One template file as a layer holds it; <paramref name="Origin"/> names it for a person (a path, a blob).</summary>
public sealed record EmailTemplateFile(string Name, string Origin, string Content);

/// <summary>The files of one layer: <c>built-in</c>, <c>folder</c> (Email:TemplatesPath) or <c>container</c> (Email:TemplatesContainer).</summary>
public sealed record EmailTemplateLayer(string Label, IReadOnlyList<EmailTemplateFile> Files);

/// <summary>Templates that cannot be used: the app does not start, and each problem names its file and line.</summary>
public sealed class EmailTemplateException(IReadOnlyList<string> problems)
    : Exception("The email templates are not valid:" + string.Concat(problems.Select(p => $"{Environment.NewLine}  {p}")))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Builds <see cref="EmailTemplates"/> from layers of files, the lowest first, and checks every template as it goes;
/// no I/O. A template <c>name</c> is four files: <c>name.json</c> declares its variables, and
/// <c>name.subject.liquid</c>, <c>name.text.liquid</c> and <c>name.html.liquid</c> are its parts. Each file comes from
/// the highest layer that has it, so an override can be one file. Everything that could go wrong with a template is
/// found here, at start-up, not by the first email: a part that does not parse, a variable a part uses and the
/// declaration does not name, an unknown filter, <c>raw</c> (it would undo the HTML encoding), <c>include</c> and
/// <c>render</c> (a template is self-contained), a missing part, a misnamed file, and an override of a built-in
/// template that changes its variables (the app and existing callers send the built-in model; a new model is a new
/// template).
/// </summary>
public static partial class EmailTemplateLoader
{
    public const string BuiltInLayer = "built-in";
    private const string DeclarationPart = "declaration";
    private static readonly string[] Parts = ["subject", "text", "html"];
    // Loop variables Liquid makes inside for and tablerow.
    private static readonly string[] LoopVariables = ["forloop", "tablerowloop"];

    private static readonly FluidParser Parser = new();

    /// <summary>The most items a range <c>(a..b)</c> may have; a loop over it still counts towards <see cref="TemplateOptions.MaxSteps"/>.</summary>
    public const int MaxRangeLength = 10_000;

    private static readonly JsonSerializerOptions DeclarationJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, // "requried": true must not pass unseen
        AllowDuplicateProperties = false,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private sealed record Declaration(string? Description, Dictionary<string, VariableDeclaration>? Variables);

    private sealed record VariableDeclaration(bool Required = false, bool Link = false, string? Description = null);

    public static EmailTemplates Load(IReadOnlyList<EmailTemplateLayer> layers)
    {
        var problems = new List<string>();
        // (template, part) -> the file in effect and its layer; a higher layer replaces a lower one's file.
        var files = new Dictionary<(string Template, string Part), (EmailTemplateFile File, string Layer)>();
        foreach (var layer in layers)
        {
            foreach (var file in layer.Files)
            {
                if (FileName().Match(file.Name) is not { Success: true } match)
                {
                    // A typo in an override ("welcome.htm.liquid") must not leave the built-in in place unnoticed.
                    if (file.Name.EndsWith(".liquid", StringComparison.Ordinal) || file.Name.EndsWith(".json", StringComparison.Ordinal))
                        problems.Add($"{file.Origin}: not a template file: name it NAME.json or NAME.subject.liquid, NAME.text.liquid, NAME.html.liquid (NAME: lower-case letters, digits and hyphens).");
                    continue;
                }

                var part = match.Groups["part"].Success ? match.Groups["part"].Value : DeclarationPart;
                files[(match.Groups["name"].Value, part)] = (file, layer.Label);
            }
        }

        // What the built-in templates declare, as shipped: the model an override of one must keep. (The shipped files
        // are checked where they are in effect, below; their fast tests keep them sound.)
        var builtIn = new Dictionary<string, IReadOnlyList<EmailTemplateVariable>>(StringComparer.Ordinal);
        foreach (var file in layers.Where(l => l.Label == BuiltInLayer).SelectMany(l => l.Files))
        {
            if (FileName().Match(file.Name) is { Success: true } match && !match.Groups["part"].Success && ReadDeclaration(file, []) is { } shipped)
                builtIn[match.Groups["name"].Value] = shipped.Variables;
        }

        var templates = new List<EmailTemplate>();
        foreach (var name in files.Keys.Select(k => k.Template).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (Build(name, files, builtIn.GetValueOrDefault(name), problems) is { } template)
                templates.Add(template);
        }

        if (problems.Count > 0)
            throw new EmailTemplateException(problems);
        return new EmailTemplates(templates);
    }

    private static EmailTemplate? Build(
        string name, Dictionary<(string, string), (EmailTemplateFile File, string Layer)> files, IReadOnlyList<EmailTemplateVariable>? builtIn, List<string> problems)
    {
        if (!files.TryGetValue((name, DeclarationPart), out var declarationFile))
        {
            var first = files.First(f => f.Key.Item1 == name).Value.File;
            problems.Add($"{first.Origin}: there is no template '{name}': add {name}.json beside it, declaring the variables its parts use.");
            return null;
        }

        if (ReadDeclaration(declarationFile.File, problems) is not { } declaration)
            return null;
        var before = problems.Count;
        if (builtIn is not null)
            CheckKeepsTheBuiltInModel(name, declarationFile.File, declaration.Variables, builtIn, problems);

        var parsed = new Dictionary<string, IFluidTemplate>(StringComparer.Ordinal);
        foreach (var part in Parts)
        {
            if (!files.TryGetValue((name, part), out var partFile))
                problems.Add($"{declarationFile.File.Origin}: the template '{name}' has no {part} part: add {name}.{part}.liquid.");
            else if (Parse(name, partFile.File, declaration.Variables, problems) is { } template)
                parsed[part] = template;
        }

        if (problems.Count > before)
            return null;
        return new EmailTemplate
        {
            Name = name,
            Description = declaration.Description,
            BuiltIn = builtIn is not null,
            Variables = declaration.Variables,
            Sources = new[] { DeclarationPart }.Concat(Parts).ToDictionary(p => p, p => files[(name, p)].Layer, StringComparer.Ordinal),
            Subject = parsed["subject"],
            Text = parsed["text"],
            Html = parsed["html"],
        };
    }

    private static (string? Description, IReadOnlyList<EmailTemplateVariable> Variables)? ReadDeclaration(EmailTemplateFile file, List<string> problems)
    {
        Declaration? declaration;
        try
        {
            declaration = JsonSerializer.Deserialize<Declaration>(file.Content, DeclarationJson);
        }
        catch (JsonException ex)
        {
            // Its message ends with "Path: $.x | LineNumber: 2 | BytePositionInLine: 7.": said once, as the line, here.
            var reason = ex.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd();
            problems.Add($"{file.Origin} line {ex.LineNumber + 1 ?? 1}: {reason}");
            return null;
        }

        if (declaration?.Variables is null)
        {
            problems.Add($"{file.Origin}: declare the template's variables, e.g. {{\"variables\": {{\"name\": {{\"required\": true}}, \"resetLink\": {{\"required\": true, \"link\": true}}}}}} ({{}} for none).");
            return null;
        }

        var variables = new List<EmailTemplateVariable>();
        foreach (var (name, variable) in declaration.Variables)
        {
            if (!VariableName().IsMatch(name) || name.Length > RequestLimits.MaxModelFieldNameLength)
                problems.Add($"{file.Origin} line {LineOf(file.Content, $"\"{name}\"")}: '{name}' is not a variable name: a letter or '_', then letters, digits or '_', at most {RequestLimits.MaxModelFieldNameLength} characters.");
            else if (variable is null)
                problems.Add($"{file.Origin} line {LineOf(file.Content, $"\"{name}\"")}: declare '{name}' as an object, e.g. {{\"required\": true}}.");
            else
                variables.Add(new EmailTemplateVariable(name, variable.Required, variable.Link, variable.Description));
        }

        return (declaration.Description, variables);
    }

    private static void CheckKeepsTheBuiltInModel(
        string name, EmailTemplateFile file, IReadOnlyList<EmailTemplateVariable> declared, IReadOnlyList<EmailTemplateVariable> builtIn, List<string> problems)
    {
        var byName = declared.ToDictionary(v => v.Name, StringComparer.Ordinal);
        foreach (var original in builtIn)
        {
            var problem = !byName.TryGetValue(original.Name, out var variable) ? "must stay declared"
                : variable.Required != original.Required ? $"must stay {(original.Required ? "required" : "optional")}"
                : variable.Link != original.Link ? $"must stay {(original.Link ? "a link" : "not a link")}"
                : null;
            if (problem is not null)
                problems.Add($"{file.Origin}: '{original.Name}' {problem}: an override of the built-in template '{name}' keeps its variables, which the app and its callers send (for another model, add a template of another name).");
        }

        foreach (var added in declared.Where(v => v.Required && builtIn.All(b => b.Name != v.Name)))
            problems.Add($"{file.Origin}: '{added.Name}' must be optional: the built-in template '{name}' has no such variable, so the app and its callers do not send it.");
    }

    private static IFluidTemplate? Parse(string name, EmailTemplateFile file, IReadOnlyList<EmailTemplateVariable> declared, List<string> problems)
    {
        if (!Parser.TryParse(file.Content, out var template, out var error))
        {
            // Fluid says "End of tag '}}' was expected at (3:14)\nSource:\n...": the line and column, then the line itself.
            var message = error.Split('\n', 2)[0];
            problems.Add(ParsePosition().Match(message) is { Success: true } at
                ? $"{file.Origin} line {at.Groups["line"].Value}, column {at.Groups["column"].Value}: {message[..at.Index].TrimEnd()}"
                : $"{file.Origin}: {message}");
            return null;
        }

        var usage = new Usage();
        usage.VisitTemplate(template);
        var known = declared.Select(v => v.Name).Concat(usage.Locals).Concat(LoopVariables).ToHashSet(StringComparer.Ordinal);
        foreach (var variable in usage.Read.Where(v => !known.Contains(v)))
        {
            problems.Add($"{file.Origin} line {LineOfUse(file.Content, variable)}: '{variable}' is not a variable of this template: " +
                         $"declare it in {name}.json ({(declared.Count == 0 ? "it declares none" : "it declares " + string.Join(", ", declared.Select(v => v.Name)))}).");
        }

        foreach (var filter in usage.Filters)
        {
            if (filter == "raw")
                problems.Add($"{file.Origin} line {LineOfUse(file.Content, filter)}: the filter 'raw' is not allowed: it would put a model's value into the HTML unencoded.");
            else if (!EmailTemplates.Options.Filters.TryGetValue(filter, out _))
                problems.Add($"{file.Origin} line {LineOfUse(file.Content, filter)}: there is no filter '{filter}'.");
        }

        foreach (var (range, word) in usage.Ranges)
        {
            problems.Add($"{file.Origin} line {LineOfUse(file.Content, word)}: the range ({range}) must have whole numbers as its ends, at most {MaxRangeLength} apart: " +
                         "Fluid builds the whole range before the loop starts, so a variable end (1..count) lets a model ask for gigabytes.");
        }

        foreach (var tag in usage.Tags)
            problems.Add($"{file.Origin} line {LineOfUse(file.Content, tag)}: the tag '{tag}' is not allowed: a template is self-contained, it cannot read other files.");
        return template;
    }

    /// <summary>The 1-based line of the first <c>{{ }}</c> or <c>{% %}</c> that names <paramref name="word"/>; 1 if none does.</summary>
    private static int LineOfUse(string content, string word)
    {
        var pattern = new Regex($@"(?<![\w-]){Regex.Escape(word)}(?![\w-])", RegexOptions.CultureInvariant);
        foreach (Match markup in Markup().Matches(content))
        {
            if (pattern.Match(markup.Value) is { Success: true } use)
                return LineAt(content, markup.Index + use.Index);
        }

        return 1;
    }

    private static int LineOf(string content, string text) => LineAt(content, Math.Max(0, content.IndexOf(text, StringComparison.Ordinal)));

    private static int LineAt(string content, int index) => 1 + content.AsSpan(0, index).Count('\n');

    /// <summary>What a part reads, defines and calls: the roots of its variable paths, its own variables, filters and file tags.</summary>
    private sealed class Usage : AstVisitor
    {
        public HashSet<string> Read { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Locals { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> Filters { get; } = new(StringComparer.Ordinal);
        public SortedSet<string> Tags { get; } = new(StringComparer.Ordinal);
        /// <summary>Ranges whose ends are not literal numbers, or too far apart: as written (<c>1..count</c>), and a word to find them by.</summary>
        public SortedSet<(string Range, string Word)> Ranges { get; } = [];

        protected override Expression VisitRangeExpression(RangeExpression rangeExpression)
        {
            if (rangeExpression is not { From: LiteralExpression { Value: NumberValue from }, To: LiteralExpression { Value: NumberValue to } }
                || Math.Abs(to.ToNumberValue() - from.ToNumberValue()) >= MaxRangeLength)
            {
                var (start, end) = (Describe(rangeExpression.From), Describe(rangeExpression.To));
                Ranges.Add(($"{start}..{end}", rangeExpression.To is LiteralExpression ? start : end));
            }

            return base.VisitRangeExpression(rangeExpression);
        }

        private static string Describe(Expression end) => end switch
        {
            LiteralExpression literal => literal.Value.ToStringValue(),
            MemberExpression { Segments: [IdentifierSegment root, ..] } => root.Identifier,
            _ => "…",
        };

        protected override Expression VisitMemberExpression(MemberExpression memberExpression)
        {
            if (memberExpression.Segments is [IdentifierSegment root, ..])
                Read.Add(root.Identifier);
            // a[b]: b is read too (the base visitor stops at the member).
            foreach (var indexer in memberExpression.Segments.OfType<IndexerSegment>())
                Visit(indexer.Expression);
            return base.VisitMemberExpression(memberExpression);
        }

        protected override Expression VisitFilterExpression(FilterExpression filterExpression)
        {
            Filters.Add(filterExpression.Name);
            return base.VisitFilterExpression(filterExpression);
        }

        protected override Statement VisitAssignStatement(AssignStatement assignStatement)
        {
            Locals.Add(assignStatement.Identifier);
            return base.VisitAssignStatement(assignStatement);
        }

        protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
        {
            Locals.Add(captureStatement.Identifier);
            return base.VisitCaptureStatement(captureStatement);
        }

        protected override Statement VisitForStatement(ForStatement forStatement)
        {
            Locals.Add(forStatement.Identifier);
            Visit(forStatement.Range); // (1..n): the base visitor does not look inside the range
            return base.VisitForStatement(forStatement);
        }

        protected override Statement VisitTableRowStatement(TableRowStatement tableRowStatement)
        {
            Locals.Add(tableRowStatement.Identifier);
            return base.VisitTableRowStatement(tableRowStatement);
        }

        protected override Statement VisitIncrementStatement(IncrementStatement incrementStatement)
        {
            Locals.Add(incrementStatement.Identifier);
            return base.VisitIncrementStatement(incrementStatement);
        }

        protected override Statement VisitDecrementStatement(DecrementStatement decrementStatement)
        {
            Locals.Add(decrementStatement.Identifier);
            return base.VisitDecrementStatement(decrementStatement);
        }

        protected override Statement VisitIncludeStatement(IncludeStatement includeStatement)
        {
            Tags.Add("include");
            return base.VisitIncludeStatement(includeStatement);
        }

        protected override Statement VisitRenderStatement(RenderStatement renderStatement)
        {
            Tags.Add("render");
            return base.VisitRenderStatement(renderStatement);
        }
    }

    [GeneratedRegex(@"^(?<name>[a-z0-9]+(?:-[a-z0-9]+)*)\.(?:json|(?<part>subject|text|html)\.liquid)$")]
    private static partial Regex FileName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();

    [GeneratedRegex(@"\{\{.*?\}\}|\{%.*?%\}", RegexOptions.Singleline)]
    private static partial Regex Markup();

    [GeneratedRegex(@" at \((?<line>\d+):(?<column>\d+)\)")]
    private static partial Regex ParsePosition();
}
