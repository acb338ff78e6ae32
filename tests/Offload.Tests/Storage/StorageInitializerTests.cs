using System.Net;
using Azure;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.Messaging;
using Offload.Storage;

namespace Offload.Tests.Storage;

/// <summary>Storage answered by a handler in memory: every request gets <c>status</c>, no I/O.</summary>
public class StorageInitializerTests
{
    [Fact]
    public async Task EnsureCreated_SkipsWhatThisIdentityMayNotCreate()
    {
        var answered = new List<string>();

        await Initializer(HttpStatusCode.Forbidden, answered).EnsureCreatedAsync(CancellationToken.None);

        Assert.Equal(StorageNames.Containers.Count + StorageNames.Tables.Count + WorkQueues.Everything.Count, answered.Count); // every container, table and queue was tried, none stopped the rest
        Assert.Equal((3, 10), (StorageNames.Containers.Count, StorageNames.Tables.Count));
    }

    [Fact]
    public async Task EnsureCreated_StillFails_OnOtherErrors()
    {
        var failure = await Assert.ThrowsAsync<RequestFailedException>(() => Initializer(HttpStatusCode.BadRequest, []).EnsureCreatedAsync(CancellationToken.None));

        Assert.Equal(400, failure.Status);
    }

    private static StorageInitializer Initializer(HttpStatusCode status, List<string> answered)
    {
        var transport = new HttpClientTransport(new HttpClient(new Answer(status, answered)));
        var key = new StorageSharedKeyCredential("account", Convert.ToBase64String(new byte[32]));
        var blobs = new BlobServiceClient(new Uri("https://account.blob.core.windows.net"), key,
            new BlobClientOptions { Transport = transport, Retry = { MaxRetries = 0 } });
        var queues = new QueueServiceClient(new Uri("https://account.queue.core.windows.net"), key,
            new QueueClientOptions { Transport = transport, Retry = { MaxRetries = 0 } });
        var tables = new TableServiceClient(new Uri("https://account.table.core.windows.net"), new TableSharedKeyCredential("account", Convert.ToBase64String(new byte[32])),
            new TableClientOptions { Transport = transport, Retry = { MaxRetries = 0 } });
        return new StorageInitializer(blobs, queues, tables, NullLogger<StorageInitializer>.Instance);
    }

    private sealed class Answer(HttpStatusCode status, List<string> answered) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (answered)
                answered.Add(request.RequestUri!.AbsolutePath);
            var response = new HttpResponseMessage(status) { Content = new StringContent("") };
            response.Headers.Add("x-ms-error-code", status == HttpStatusCode.Forbidden ? "AuthorizationPermissionMismatch" : "InvalidInput");
            return Task.FromResult(response);
        }
    }
}
