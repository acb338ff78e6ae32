using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Storage;

namespace Offload.Email;

/// <summary>
/// Where the email templates come from, lowest layer first: the built-in ones, shipped beside the app in
/// <c>Email/Templates</c>; the folder <see cref="EmailOptions.TemplatesPath"/>; the blob container
/// <see cref="EmailOptions.TemplatesContainer"/>. Read once, when the app starts: a change takes a restart.
/// </summary>
public sealed partial class EmailTemplateSources(IOptions<EmailOptions> options, BlobServiceClient blobs, ILogger<EmailTemplateSources> logger)
{
    /// <summary>The built-in templates, as the build copies them beside the app.</summary>
    public static string BuiltInFolder { get; } = Path.Combine(AppContext.BaseDirectory, "Email", "Templates");

    /// <summary>Bigger than any email needs; a stray large blob in the container fails the start-up rather than filling memory.</summary>
    public const int MaxFileBytes = 256 * 1024;

    public const string FolderLayer = "folder";
    public const string ContainerLayer = "container";

    /// <summary>Reads every layer and checks the templates (<see cref="EmailTemplateLoader"/>); throws what is wrong, naming files and lines.</summary>
    public EmailTemplates Load()
    {
        if (!Directory.Exists(BuiltInFolder))
            throw new InvalidOperationException($"The built-in email templates are missing: {BuiltInFolder} should come with the app (Offload.csproj copies Email/Templates).");

        var layers = new List<EmailTemplateLayer> { new(EmailTemplateLoader.BuiltInLayer, ReadFolder(BuiltInFolder)) };
        if (options.Value.TemplatesPath is { Length: > 0 } path)
            layers.Add(new(FolderLayer, ReadFolder(Path.GetFullPath(path))));
        if (options.Value.TemplatesContainer is { Length: > 0 } container)
            layers.Add(new(ContainerLayer, ReadContainer(container)));

        var templates = EmailTemplateLoader.Load(layers);
        var overridden = templates.All.Where(t => t.Sources.Values.Any(s => s != EmailTemplateLoader.BuiltInLayer)).Select(t => t.Name).ToList();
        LogLoaded(logger, templates.All.Count, overridden.Count == 0 ? "none" : string.Join(", ", overridden));
        return templates;
    }

    // Only the folder itself: a template is four files side by side, never in a subfolder.
    internal static List<EmailTemplateFile> ReadFolder(string folder) =>
        [.. Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).Select(file =>
        {
            var info = new FileInfo(file);
            return info.Length > MaxFileBytes
                ? throw new EmailTemplateException([$"{file}: {info.Length} bytes, more than a template may have ({MaxFileBytes})."])
                : new EmailTemplateFile(info.Name, file, File.ReadAllText(file));
        })];

    // Synchronous: this runs once, while the host starts (and before anything may send an email).
    private List<EmailTemplateFile> ReadContainer(string name)
    {
        var container = blobs.GetBlobContainerClient(name);
        try
        {
            var files = new List<EmailTemplateFile>();
            foreach (var blob in container.GetBlobs().OrderBy(b => b.Name, StringComparer.Ordinal))
            {
                var origin = $"blob {name}/{blob.Name}";
                if (blob.Properties.ContentLength > MaxFileBytes)
                    throw new EmailTemplateException([$"{origin}: {blob.Properties.ContentLength} bytes, more than a template may have ({MaxFileBytes})."]);
                files.Add(new EmailTemplateFile(blob.Name, origin, container.GetBlobClient(blob.Name).DownloadContent().Value.Content.ToString()));
            }

            return files;
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // Locally the storage initializer makes it a moment later; in Azure infra/ does. No container, no overrides.
            LogNoContainer(logger, name);
            return [];
        }
        catch (Exception ex) when (ex is RequestFailedException || StorageFaults.IsUnavailable(ex))
        {
            // Not started without them: emails would go out in the built-in words, which the operator replaced.
            throw new InvalidOperationException($"The email templates in the blob container '{name}' (Email:TemplatesContainer) could not be read: {ex.Message}", ex);
        }
    }

    [LoggerMessage(EventId = 3110, Level = LogLevel.Information, Message = "Email templates loaded: {Count}; overridden or added: {Overridden}")]
    private static partial void LogLoaded(ILogger logger, int count, string overridden);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "The email template container '{Container}' (Email:TemplatesContainer) does not exist: no templates from it")]
    private static partial void LogNoContainer(ILogger logger, string container);
}

/// <summary>
/// Loads the templates as the host starts, so a broken one stops the start-up with its file and line, as a bad
/// setting does, instead of failing the first email.
/// </summary>
public sealed class EmailTemplatesStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<EmailTemplates>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
