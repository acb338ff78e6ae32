using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Offload.Messaging;

namespace Offload.Storage;

/// <summary>
/// Creates the containers, queues and table on start-up when they are missing (Azurite starts empty;
/// in Azure the Bicep creates them and this is a no-op). A storage account that is down does not stop the
/// host: the health endpoint reports it and the queue listeners keep polling until it is back.
/// </summary>
public sealed partial class StorageInitializer(
    BlobServiceClient blobs, QueueServiceClient queues, TableServiceClient tables, ILogger<StorageInitializer> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await EnsureCreatedAsync(cancellationToken);
        }
        catch (RequestFailedException ex)
        {
            LogStorageUnavailable(logger, ex.Status, ex.ErrorCode, ex);
        }
        catch (HttpRequestException ex)
        {
            LogStorageUnavailable(logger, 0, ex.HttpRequestError.ToString(), ex);
        }
    }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await blobs.GetBlobContainerClient(StorageNames.UploadsContainer).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await blobs.GetBlobContainerClient(StorageNames.OutputsContainer).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await tables.CreateTableIfNotExistsAsync(StorageNames.JobsTable, cancellationToken);
        foreach (var queue in QueueNames.All)
        {
            await queues.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await queues.GetQueueClient(QueueNames.PoisonOf(queue)).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Storage could not be prepared at start-up (status {Status}, {ErrorCode}); continuing, health reports it")]
    private static partial void LogStorageUnavailable(ILogger logger, int status, string? errorCode, Exception exception);
}
