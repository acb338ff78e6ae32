using Azure.Core;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Offload.Storage;

/// <summary>
/// Registers the Blob, Queue and Table clients once, from the same setting the queue triggers read
/// (<see cref="StorageNames.ConnectionName"/>), so the app and the triggers always talk to the same account.
/// </summary>
public static class StorageClients
{
    public static IServiceCollection AddOffloadStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(StorageNames.ConnectionName);
        var connectionString = section.Value;

        services.AddAzureClients(clients =>
        {
            if (!string.IsNullOrWhiteSpace(connectionString))
            {
                clients.AddBlobServiceClient(connectionString);
                clients.AddTableServiceClient(connectionString).ConfigureOptions(o => o.Retry.NetworkTimeout = NetworkTimeout);
                // The queue triggers expect Base64: a plain-text message would go straight to the poison queue.
                clients.AddQueueServiceClient(connectionString)
                    .ConfigureOptions(o => (o.MessageEncoding, o.Retry.NetworkTimeout) = (QueueMessageEncoding.Base64, NetworkTimeout));
                return;
            }

            var credential = CreateCredential(section);
            clients.AddBlobServiceClient(RequiredUri(section, "blobServiceUri")).WithCredential(credential);
            clients.AddTableServiceClient(RequiredUri(section, "tableServiceUri")).WithCredential(credential)
                .ConfigureOptions(o => o.Retry.NetworkTimeout = NetworkTimeout);
            clients.AddQueueServiceClient(RequiredUri(section, "queueServiceUri")).WithCredential(credential)
                .ConfigureOptions(o => (o.MessageEncoding, o.Retry.NetworkTimeout) = (QueueMessageEncoding.Base64, NetworkTimeout));
        });
        return services;
    }

    /// <summary>
    /// How long one try of a table or queue call may hang (the SDK's default is 100 s). Their calls are small and
    /// answered in milliseconds; a hung one is an outage, and a worker that waited one out must record what it did
    /// well inside the watchdog's grace after storage returns (<see cref="Jobs.WatchdogHandler.Grace"/>). Blob
    /// transfers keep the default: a block of a large upload may take longer.
    /// </summary>
    public static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(10);

    private static TokenCredential CreateCredential(IConfigurationSection section)
    {
        var clientId = section["clientId"];
        return string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrEmpty(clientId)
                ? ManagedIdentityId.SystemAssigned
                : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
    }

    private static Uri RequiredUri(IConfigurationSection section, string key) =>
        Uri.TryCreate(section[key], UriKind.Absolute, out var uri)
            ? uri
            : throw new InvalidOperationException(
                $"Storage is not configured: set '{StorageNames.ConnectionName}' to a connection string, " +
                $"or '{StorageNames.ConnectionName}__{key}' (with the other service URIs) to use an identity.");
}
