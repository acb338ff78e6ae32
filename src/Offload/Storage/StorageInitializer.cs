using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Offload.Messaging;

namespace Offload.Storage;

/// <summary>
/// Creates the containers, queues and table when they are missing (Azurite starts empty; in Azure the Bicep
/// creates them and this is a no-op). Start-up waits for one try; if storage is down the host still starts,
/// the health endpoint says so, and this keeps trying in the background until storage is back. In Azure each app's
/// identity may write only what it uses (the encoder reads <c>uploads</c> and never sees the API keys), so a refusal
/// (403) to create something is expected there and skipped: infra/ made it, and a real use would still fail loudly.
/// </summary>
public sealed partial class StorageInitializer(
    BlobServiceClient blobs, QueueServiceClient queues, TableServiceClient tables, ILogger<StorageInitializer> logger)
    : BackgroundService
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);
    private bool _ready;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _ready = await TryEnsureCreatedAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!_ready && !stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(RetryDelay, stoppingToken);
            _ready = await TryEnsureCreatedAsync(stoppingToken);
        }
    }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        foreach (var container in StorageNames.Containers)
            await CreateAsync(container, () => blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken));
        foreach (var table in StorageNames.Tables)
            await CreateAsync(table, () => tables.CreateTableIfNotExistsAsync(table, cancellationToken));
        foreach (var queue in WorkQueues.Everything)
            await CreateAsync(queue, () => queues.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken));
    }

    private async Task CreateAsync(string name, Func<Task> create)
    {
        try
        {
            await create();
        }
        catch (RequestFailedException ex) when (ex.Status == 403)
        {
            LogNotAllowedToCreate(logger, name);
        }
    }

    private async Task<bool> TryEnsureCreatedAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AttemptTimeout);
        try
        {
            await EnsureCreatedAsync(timeout.Token);
            LogStorageReady(logger);
            return true;
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogStorageUnavailable(logger, RetryDelay.TotalSeconds, ex.Message);
            return false;
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Storage is unavailable; containers, queues and table not ready yet. Trying again in {DelaySeconds} s: {Reason}")]
    private static partial void LogStorageUnavailable(ILogger logger, double delaySeconds, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information,
        Message = "This identity may not create {Name}; it is left to infra/ (expected in Azure for what this app does not write)")]
    private static partial void LogNotAllowedToCreate(ILogger logger, string name);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Storage ready: containers, queues and table exist")]
    private static partial void LogStorageReady(ILogger logger);
}
