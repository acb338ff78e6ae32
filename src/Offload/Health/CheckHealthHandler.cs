using System.Diagnostics;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;
using Offload.Videos;

namespace Offload.Health;

public sealed record HealthReport(string Status, IReadOnlyDictionary<string, string> Storage, string Ffmpeg)
{
    [JsonIgnore]
    public bool IsHealthy => Status == "healthy";
}

/// <summary>
/// Is this instance able to work? Touches each storage service once and asks ffmpeg for its version.
/// The answer names what is down, never a connection string or key.
/// </summary>
public sealed class CheckHealthHandler(
    BlobServiceClient blobs, QueueServiceClient queues, TableServiceClient tables, IOptions<EncodingOptions> encoding)
{
    private const string Unavailable = "unavailable";
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);
    private string? _ffmpegVersion;

    public async Task<HealthReport> HandleAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Budget);
        var token = timeout.Token;

        var ffmpeg = _ffmpegVersion is null ? ReadFfmpegVersionAsync(token) : Task.FromResult(_ffmpegVersion);
        var checks = await Task.WhenAll(
            CheckAsync("blobs", () => blobs.GetBlobContainerClient(Storage.StorageNames.UploadsContainer).ExistsAsync(token)),
            CheckAsync("queues", () => queues.GetQueueClient(Messaging.QueueNames.HeavyCompute).ExistsAsync(token)),
            CheckAsync("tables", () => ReadOneRowAsync(token)));
        var storage = checks.ToDictionary(c => c.Name, c => c.State);
        var version = await ffmpeg;
        if (version != Unavailable)
            _ffmpegVersion = version;

        var healthy = storage.Values.All(s => s == "ok") && version != Unavailable;
        return new HealthReport(healthy ? "healthy" : "unhealthy", storage, version);
    }

    private async Task<bool> ReadOneRowAsync(CancellationToken cancellationToken)
    {
        var rows = tables.GetTableClient(Storage.StorageNames.JobsTable)
            .QueryAsync<TableEntity>(filter: "PartitionKey eq 'health'", maxPerPage: 1, cancellationToken: cancellationToken);
        await using var page = rows.AsPages().GetAsyncEnumerator(cancellationToken);
        return await page.MoveNextAsync();
    }

    private static async Task<(string Name, string State)> CheckAsync<T>(string name, Func<Task<T>> probe)
    {
        try
        {
            await probe();
            return (name, "ok");
        }
        catch (RequestFailedException ex)
        {
            return (name, $"error {ex.Status}");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or AggregateException)
        {
            return (name, "unreachable");
        }
    }

    private async Task<string> ReadFfmpegVersionAsync(CancellationToken cancellationToken)
    {
        var folder = encoding.Value.FfmpegFolder;
        var start = new ProcessStartInfo(string.IsNullOrEmpty(folder) ? "ffmpeg" : Path.Combine(folder, "ffmpeg"), "-version")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start)!;
            var firstLine = await process.StandardOutput.ReadLineAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            // "ffmpeg version 5.1.9-0+deb12u1 Copyright (c) ..." -> "5.1.9-0+deb12u1"
            var parts = firstLine?.Split(' ');
            return process.ExitCode == 0 && parts is { Length: > 2 } ? parts[2] : Unavailable;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or OperationCanceledException)
        {
            return Unavailable;
        }
    }
}
