using Offload.Email;

namespace Offload.Tests.Email;

/// <summary>The shipped templates (from the build output) with an override layer of files made in memory.</summary>
internal static class TemplateLayers
{
    public static IReadOnlyList<EmailTemplateFile> BuiltIn { get; } = EmailTemplateSources.ReadFolder(EmailTemplateSources.BuiltInFolder);

    /// <summary>The built-in templates under <paramref name="files"/> (name, content), as if from the folder <c>/templates</c>.</summary>
    public static EmailTemplates Load(params (string Name, string Content)[] files) =>
        EmailTemplateLoader.Load([
            new(EmailTemplateLoader.BuiltInLayer, BuiltIn),
            new(EmailTemplateSources.FolderLayer, [.. files.Select(f => new EmailTemplateFile(f.Name, $"/templates/{f.Name}", f.Content))]),
        ]);

    /// <summary>What the start-up says is wrong with the templates under <paramref name="files"/>.</summary>
    public static IReadOnlyList<string> Problems(params (string Name, string Content)[] files) =>
        Assert.Throws<EmailTemplateException>(() => Load(files)).Problems;
}
