using Offload.Email;
using static Offload.Tests.Email.TemplateLayers;

namespace Offload.Tests.Email;

/// <summary>Overrides and new templates, and every way a template fails the start-up, with its file and line.</summary>
public class EmailTemplateLoaderTests
{
    private static readonly EmailLinks Links = new(["x.test"]);

    private const string Newsletter = """
        {
          // comments are fine
          "description": "Monthly news.",
          "variables": {
            "name": { "required": true },
            "company": { "description": "Shown when given." },
            "unsubscribe": { "required": true, "link": true },
          }
        }
        """;

    private static (string, string)[] NewsletterFiles(string html = "<p>Hi {{ name }}{% if company %} of {{ company }}{% endif %}</p><a href=\"{{ unsubscribe }}\">stop</a>") =>
    [
        ("newsletter.json", Newsletter),
        ("newsletter.subject.liquid", "News for {{ name | upcase }}\n"),
        ("newsletter.text.liquid", "Hi {{ name }}{% if company %} of {{ company }}{% endif %}.\nStop: {{ unsubscribe }}\n"),
        ("newsletter.html.liquid", html),
    ];

    [Fact]
    public void OneFile_OverridesThatPartOfABuiltInTemplate_AndNothingElse()
    {
        var templates = Load(("welcome.html.liquid", "<h1>Hi {{ name }}!</h1>"));

        var email = templates.Render("welcome", new Dictionary<string, string> { ["name"] = "Ada" });
        Assert.Equal("<h1>Hi Ada!</h1>", email.Html);
        Assert.Equal("Welcome to Offload, Ada", email.Subject);
        var welcome = templates.Find("welcome")!;
        Assert.True(welcome.BuiltIn);
        Assert.Equal("folder", welcome.Sources["html"]);
        Assert.Equal("built-in", welcome.Sources["text"]);
    }

    [Fact]
    public void ANewTemplate_IsAdded_WithItsOptionalVariablesAndLinks()
    {
        var templates = Load(NewsletterFiles());

        var newsletter = templates.Find("newsletter")!;
        Assert.False(newsletter.BuiltIn);
        Assert.Equal("Monthly news.", newsletter.Description);
        Assert.Equal([("name", true, false), ("company", false, false), ("unsubscribe", true, true)],
            newsletter.Variables.Select(v => (v.Name, v.Required, v.Link)));
        Assert.Equal(5, templates.Names.Count);

        var without = templates.Render("newsletter", new Dictionary<string, string> { ["name"] = "Ada", ["unsubscribe"] = "https://x.test/u" });
        Assert.Equal("News for ADA", without.Subject);
        Assert.StartsWith("Hi Ada.", without.Text); // an optional variable not given is false in an if
        Assert.StartsWith("Hi Ada of Initech.", templates.Render("newsletter",
            new Dictionary<string, string> { ["name"] = "Ada", ["company"] = "Initech", ["unsubscribe"] = "https://x.test/u" }).Text);

        // The link rules hold for it as for the built-in templates.
        Assert.Equal("model.unsubscribe", templates.Validate("newsletter",
            new Dictionary<string, string> { ["name"] = "Ada", ["unsubscribe"] = "https://evil.example/u" }, Links)?.Field);
        Assert.Equal("model.unsubscribe", templates.Validate("newsletter", new Dictionary<string, string> { ["name"] = "Ada" }, Links)?.Field);
    }

    [Fact]
    public void APartThatDoesNotParse_NamesItsFileLineAndColumn()
    {
        var problem = Assert.Single(Problems(("welcome.html.liquid", "<p>Hello</p>\n<p>{{ name }</p>\n")));

        Assert.Equal("/templates/welcome.html.liquid line 2, column 11: End of tag '}}' was expected", problem);
    }

    [Fact]
    public void AnUnclosedTag_NamesItsFileAndLine() =>
        Assert.StartsWith("/templates/welcome.text.liquid line 3,", Assert.Single(Problems(("welcome.text.liquid", "a\n{% if name %}\nb\n"))));

    [Theory]
    [InlineData("Hi {{ nmae }}", "nmae", 1)]
    [InlineData("Hi\n\n{{ name | append: suffix }}", "suffix", 3)]
    [InlineData("Hi {{ Name }}", "Name", 1)]                             // names are case-sensitive
    [InlineData("{% if user.admin %}x{% endif %}", "user", 1)]
    [InlineData("{{ name[key] }}", "key", 1)]
    [InlineData("{% for i in (1..3) limit: count %}{{ i }}{% endfor %}", "count", 1)]
    [InlineData("{% case name %}{% when other %}x{% endcase %}", "other", 1)]
    [InlineData("{% echo secret %}", "secret", 1)]
    public void AVariableTheDeclarationDoesNotName_FailsTheStartUp_WithItsLine(string html, string variable, int line)
    {
        var problem = Assert.Single(Problems(("welcome.html.liquid", html)));

        Assert.StartsWith($"/templates/welcome.html.liquid line {line}: '{variable}' is not a variable of this template", problem);
        Assert.Contains("it declares name", problem);
    }

    [Fact]
    public void ItsOwnVariables_AndLoopVariables_NeedNoDeclaration() =>
        Load(("welcome.html.liquid", """
            {% assign greeting = "Hello" %}{% capture who %}{{ name }}{% endcapture %}
            {% for c in (1..3) %}{{ forloop.index }}{{ c }}{% endfor %}{% increment n %}
            {{ greeting }} {{ who | strip }}{% if name == empty or name == blank or name == nil %}!{% endif %}
            """));

    [Theory]
    [InlineData("{{ name | raw }}", "the filter 'raw' is not allowed")]
    [InlineData("{{ name | shout }}", "there is no filter 'shout'")]
    [InlineData("{% include 'footer' %}", "the tag 'include' is not allowed")]
    [InlineData("{% render 'footer' %}", "the tag 'render' is not allowed")]
    public void UnsafeOrUnknownFiltersAndFileTags_FailTheStartUp(string html, string message) =>
        Assert.Contains(message, Assert.Single(Problems(("welcome.html.liquid", html))));

    [Theory]
    [InlineData("{% for i in (1..name) %}{{ i }}{% endfor %}", "(1..name)")]
    [InlineData("{% for i in (1..10001) %}{{ i }}{% endfor %}", "(1..10001)")]
    public void ARangeAModelCouldMakeHuge_FailsTheStartUp(string html, string range)
    {
        // Fluid builds a range's items before the loop (and its limit) runs: (1..10000000) allocates some 460 MB.
        var problem = Assert.Single(Problems(("welcome.html.liquid", html)));

        Assert.StartsWith($"/templates/welcome.html.liquid line 1: the range {range} must have whole numbers", problem);
    }

    [Theory]
    [InlineData("welcome.htm.liquid")]
    [InlineData("Welcome.html.liquid")]
    [InlineData("welcome.body.liquid")]
    [InlineData("welcome_2.json")]
    public void AMisnamedFile_FailsTheStartUp_RatherThanBeingIgnored(string name) =>
        Assert.StartsWith($"/templates/{name}: not a template file", Assert.Single(Problems((name, "x"))));

    [Fact]
    public void OtherFiles_AreIgnored() => Assert.Equal(4, Load(("README.md", "# my templates"), (".DS_Store", "")).Names.Count);

    [Fact]
    public void APartWithoutADeclaration_FailsTheStartUp() =>
        Assert.Contains("add newsletter.json", Assert.Single(Problems(("newsletter.html.liquid", "<p>Hi</p>"))));

    [Fact]
    public void ATemplateWithoutAllThreeParts_FailsTheStartUp()
    {
        var problems = Problems(NewsletterFiles()[..2]);

        Assert.Equal(["text", "html"], problems.Select(p => p.Split(" has no ")[1].Split(' ')[0]));
    }

    [Theory]
    [InlineData("{\n  \"variables\": {\n    \"name\": { \"requried\": true }\n  }\n}", 3, "could not be mapped")]
    [InlineData("{\n  \"variables\": {\n    \"name\": { \"required\": tru }\n  }\n}", 3, "")]
    [InlineData("{\n  \"variables\": {\n    \"first-name\": {}\n  }\n}", 3, "'first-name' is not a variable name")]
    public void ADeclarationThatCannotBeRead_NamesItsLine(string json, int line, string message)
    {
        var files = NewsletterFiles().Select(f => f.Item1 == "newsletter.json" ? (f.Item1, json) : f).ToArray();
        var problem = Problems(files)[0];

        Assert.StartsWith($"/templates/newsletter.json line {line}: ", problem);
        Assert.Contains(message, problem);
    }

    [Fact]
    public void ADeclarationWithoutVariables_FailsTheStartUp() =>
        Assert.Contains("declare the template's variables", Assert.Single(Problems(("welcome.json", "{ \"description\": \"x\" }"))));

    [Theory]
    [InlineData("""{"variables": {}}""", "'name' must stay declared")]
    [InlineData("""{"variables": {"name": {}}}""", "'name' must stay required")]
    [InlineData("""{"variables": {"name": {"required": true, "link": true}}}""", "'name' must stay not a link")]
    [InlineData("""{"variables": {"name": {"required": true}, "company": {"required": true}}}""", "'company' must be optional")]
    public void AnOverrideOfABuiltInTemplate_KeepsItsModel(string json, string message) =>
        Assert.Contains(Problems(("welcome.json", json)), p => p.StartsWith("/templates/welcome.json: ", StringComparison.Ordinal) && p.Contains(message, StringComparison.Ordinal));

    [Fact]
    public void AnOverrideOfABuiltInTemplate_MayAddOptionalVariables()
    {
        var templates = Load(
            ("password-reset.json", """{"description": "Ours.", "variables": {"name": {"required": true}, "resetLink": {"required": true, "link": true}, "expires": {}}}"""),
            ("password-reset.text.liquid", "{{ resetLink }}{% if expires %} (until {{ expires }}){% endif %}"));

        Assert.Equal("https://x.test/r (until noon)", templates.Render("password-reset",
            new Dictionary<string, string> { ["name"] = "Ada", ["resetLink"] = "https://x.test/r", ["expires"] = "noon" }).Text);
        Assert.Equal("Ours.", templates.Find("password-reset")!.Description);
    }

    [Fact]
    public void EveryProblem_IsListed_NotJustTheFirst()
    {
        var failure = Assert.Throws<EmailTemplateException>(() => Load(("welcome.html.liquid", "{{ nmae }}"), ("video-ready.text.liquid", "{% if %}")));

        Assert.Equal(2, failure.Problems.Count);
        Assert.Contains("/templates/welcome.html.liquid line 1", failure.Message);
        Assert.Contains("/templates/video-ready.text.liquid line 1", failure.Message);
    }

    [Fact]
    public void AHigherLayer_WinsOverALowerOne()
    {
        var templates = EmailTemplateLoader.Load([
            new(EmailTemplateLoader.BuiltInLayer, BuiltIn),
            new(EmailTemplateSources.FolderLayer, [new("welcome.subject.liquid", "/t/welcome.subject.liquid", "From the folder")]),
            new(EmailTemplateSources.ContainerLayer, [new("welcome.subject.liquid", "blob email-templates/welcome.subject.liquid", "From the container")]),
        ]);

        Assert.Equal("From the container", templates.Render("welcome", new Dictionary<string, string> { ["name"] = "Ada" }).Subject);
        Assert.Equal("container", templates.Find("welcome")!.Sources["subject"]);
    }

    [Fact]
    public void AModelTheTemplateCannotComputeWith_IsRefusedWhenQueued()
    {
        var templates = Load(
            ("newsletter.json", """{"variables": {"count": {"required": true}}}"""),
            ("newsletter.subject.liquid", "News"),
            ("newsletter.text.liquid", "{{ 100 | divided_by: count }} each"),
            ("newsletter.html.liquid", "{% for i in (1..1000) limit: count %}{% for j in (1..1000) limit: count %}.{% endfor %}{% endfor %}"));

        Assert.Null(templates.Validate("newsletter", new Dictionary<string, string> { ["count"] = "4" }, Links));
        Assert.Equal("model", templates.Validate("newsletter", new Dictionary<string, string> { ["count"] = "0" }, Links)?.Field);
        // A loop that would run away is cut off, not run.
        Assert.Equal("model", templates.Validate("newsletter", new Dictionary<string, string> { ["count"] = "1000" }, Links)?.Field);
    }
}
