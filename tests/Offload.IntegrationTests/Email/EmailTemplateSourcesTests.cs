using Microsoft.Extensions.DependencyInjection;
using Offload.Email;
using Offload.IntegrationTests.Infrastructure;

namespace Offload.IntegrationTests.Email;

/// <summary>The blob container layer (Email:TemplatesContainer) read from real Azurite, as the app reads it at start-up.</summary>
[Collection(StorageCollection.Name)]
public sealed class EmailTemplateSourcesTests(StorageFixture fixture)
{
    private static string UniqueContainer() => $"templates-{Guid.NewGuid():N}"[..40];

    private EmailTemplates Load(string container)
    {
        using var services = fixture.CreateServices(new Dictionary<string, string?> { ["Email:TemplatesContainer"] = container });
        return services.GetRequiredService<EmailTemplates>();
    }

    [Fact]
    public void AContainerThatDoesNotExist_LeavesTheBuiltInTemplates_AndSaysSo()
    {
        var container = UniqueContainer();

        var templates = Load(container);

        Assert.Equal(["password-reset", "video-failed", "video-ready", "welcome"], templates.Names.Order());
        Assert.Contains(fixture.Logs.Entries, e => e.EventId.Id == 3111 && e.Message.Contains(container, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABlobOverridesAPart()
    {
        var container = fixture.Blobs.GetBlobContainerClient(UniqueContainer());
        await container.CreateAsync();
        await container.UploadBlobAsync("video-ready.subject.liquid", BinaryData.FromString("{{ videoId }} is ready"));

        var templates = Load(container.Name);

        Assert.Equal("v1 is ready", templates.Render("video-ready",
            new Dictionary<string, string> { ["videoId"] = "v1", ["status"] = "succeeded", ["downloadUrl"] = "http://127.0.0.1:7071/x" }).Subject);
        Assert.Equal("container", templates.Find("video-ready")!.Sources["subject"]);
    }

    [Fact]
    public async Task ABrokenBlob_FailsTheStartUp_NamingTheBlobAndLine()
    {
        var container = fixture.Blobs.GetBlobContainerClient(UniqueContainer());
        await container.CreateAsync();
        await container.UploadBlobAsync("welcome.text.liquid", BinaryData.FromString("Hello\n{{ name }"));
        await container.UploadBlobAsync("notes/welcome.html.liquid", BinaryData.FromString("<p>{{ name }}</p>")); // no folders in a layer

        var failure = Assert.Throws<EmailTemplateException>(() => Load(container.Name));

        Assert.Contains($"blob {container.Name}/welcome.text.liquid line 2, column ", failure.Message);
        Assert.Contains($"blob {container.Name}/notes/welcome.html.liquid: not a template file", failure.Message);
    }

    [Fact]
    public async Task AnOversizedBlob_FailsTheStartUp()
    {
        var container = fixture.Blobs.GetBlobContainerClient(UniqueContainer());
        await container.CreateAsync();
        await container.UploadBlobAsync("welcome.html.liquid", BinaryData.FromBytes(new byte[EmailTemplateSources.MaxFileBytes + 1]));

        var failure = Assert.Throws<EmailTemplateException>(() => Load(container.Name));

        Assert.Contains("more than a template may have", failure.Message);
    }
}
