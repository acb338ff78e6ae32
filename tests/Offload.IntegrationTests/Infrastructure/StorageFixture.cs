using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Offload.Jobs;
using Offload.Storage;
using Offload.Testing;
using Offload.Videos;

namespace Offload.IntegrationTests.Infrastructure;

/// <summary>
/// A private Azurite and the application's services wired to it, for tests that call handlers and function
/// classes directly. No queue listener runs here: tests deliver messages themselves.
/// </summary>
public sealed class StorageFixture : IAsyncLifetime
{
    private Azurite? _azurite;
    private MailDev? _mail;

    public string ConnectionString => _azurite!.ConnectionString;
    public Azurite Azurite => _azurite!;
    public MailDev Mail => _mail!;
    public string WorkingDirectory { get; } = Path.Combine(Path.GetTempPath(), "offload-tests", Guid.NewGuid().ToString("N"));
    public IServiceProvider Services { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        (_azurite, _mail) = (await Azurite.StartAsync(), await MailDev.StartAsync());
        Services = CreateServices();
        await Services.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(CancellationToken.None);
    }

    /// <summary>The app's services as both hosts register them, with test settings and any overrides.</summary>
    public ServiceProvider CreateServices(IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [StorageNames.ConnectionName] = ConnectionString,
            ["Encoding:WorkingDirectory"] = WorkingDirectory,
            ["Jobs:HeartbeatInterval"] = "00:00:00.200",
            ["Email:SmtpPort"] = Mail.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Handler tests make many jobs for one owner that no worker ever finishes; the quotas have tests of their own.
            ["Quotas:Enabled"] = "false",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
            settings[key] = value;

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug))
            .AddSingleton<IConfiguration>(configuration)
            .AddOffload(configuration);
        services.AddSingleton<StorageInitializer>();
        configure?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public CapturedLogs Logs { get; } = new();

    /// <summary>
    /// Empties every queue. Nothing consumes them in this fixture, so a test that looks at what was queued starts
    /// from empty queues (a peek sees 32 messages at most) instead of relying on what earlier tests left.
    /// </summary>
    public async Task ClearQueuesAsync()
    {
        foreach (var queue in Offload.Messaging.WorkQueues.Everything)
            await Queues.GetQueueClient(queue).ClearMessagesAsync();
    }

    public JobStore Jobs => Services.GetRequiredService<JobStore>();

    /// <summary>The stored job, which the test knows exists.</summary>
    public async Task<Job> JobAsync(string id) => (await Jobs.GetAsync(id, CancellationToken.None))!;

    /// <summary>Hands a video to the app's upload handler (what POST /api/videos does) and returns the queued job.</summary>
    public async Task<Job> UploadAsync(Stream content, string contentType = "video/mp4", string? fileName = null, IServiceProvider? services = null)
    {
        var result = await (services ?? Services).GetRequiredService<UploadVideoHandler>()
            .HandleAsync(new UploadVideoCommand(TestCallers.Owner, content, contentType, fileName, Notify: null), CancellationToken.None);
        return Assert.IsType<UploadVideoResult.Accepted>(result).Job;
    }

    public async Task<Job> UploadAsync(Clip clip, IServiceProvider? services = null)
    {
        await using var file = File.OpenRead(await TestClips.PathOf(clip));
        return await UploadAsync(file, services: services);
    }

    /// <summary>Every blob in <c>outputs</c> under the job's id: its result, and anything a run failed to clean up.</summary>
    public async Task<List<string>> OutputsOfAsync(string jobId)
    {
        var names = new List<string>();
        await foreach (var blob in Blobs.GetBlobContainerClient(StorageNames.OutputsContainer).GetBlobsAsync(
            Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix: jobId, CancellationToken.None))
            names.Add(blob.Name);
        return names;
    }

    public BlobServiceClient Blobs => Services.GetRequiredService<BlobServiceClient>();
    public QueueServiceClient Queues => Services.GetRequiredService<QueueServiceClient>();
    public TableServiceClient Tables => Services.GetRequiredService<TableServiceClient>();

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
            await _azurite.DisposeAsync();
        if (_mail is not null)
            await _mail.DisposeAsync();
        if (Directory.Exists(WorkingDirectory))
            Directory.Delete(WorkingDirectory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class StorageCollection : ICollectionFixture<StorageFixture>
{
    public const string Name = "storage";
}
