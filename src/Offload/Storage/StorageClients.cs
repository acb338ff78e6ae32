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
                clients.AddTableServiceClient(connectionString);
                // The queue triggers expect Base64: a plain-text message would go straight to the poison queue.
                clients.AddQueueServiceClient(connectionString)
                    .ConfigureOptions(o => o.MessageEncoding = QueueMessageEncoding.Base64);
                return;
            }

            var credential = CreateCredential(section);
            clients.AddBlobServiceClient(RequiredUri(section, "blobServiceUri")).WithCredential(credential);
            clients.AddTableServiceClient(RequiredUri(section, "tableServiceUri")).WithCredential(credential);
            clients.AddQueueServiceClient(RequiredUri(section, "queueServiceUri")).WithCredential(credential)
                .ConfigureOptions(o => o.MessageEncoding = QueueMessageEncoding.Base64);
        });
        return services;
    }

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
