using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Offload.Testing;

namespace Offload.Benchmarks;

/// <summary>
/// What one request of each kind an email makes costs Azurite in CPU: 400 of each, 8 at a time, on an Azurite of its
/// own, entities of the size of a job row. It tells whether the emulator's share of an email (<see cref="EmailCpuBenchmark"/>)
/// is set by the number of requests or by what they carry (a transaction's entities).
/// </summary>
public static class AzuriteCostBenchmark
{
    private const int Requests = 400;

    public static async Task RunAsync()
    {
        Console.WriteLine("== Azurite's CPU per request (400 of each kind, 8 at a time, entities of ~600 bytes) ==");
        await using var azurite = await Azurite.StartAsync();
        var table = new TableClient(azurite.ConnectionString, "cost");
        await table.CreateIfNotExistsAsync();
        var queue = new QueueClient(azurite.ConnectionString, "cost");
        await queue.CreateIfNotExistsAsync();
        var payload = new string('x', 600);
        TableEntity Row(string partition, string row) => new(partition, row) { ["Payload"] = payload, ["Status"] = "queued", ["At"] = DateTimeOffset.UtcNow };

        async Task MeasureAsync(string name, Func<int, Task> request)
        {
            for (var i = 0; i < 20; i++)
                await request(Requests + i); // warm-up, not counted
            var before = Processes.CpuSeconds(azurite.Pids);
            await Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) => await request(i));
            Console.WriteLine($"  {name,-34} {(Processes.CpuSeconds(azurite.Pids) - before) * 1000 / Requests:0.00} ms");
        }

        await MeasureAsync("insert, one entity", i => table.AddEntityAsync(Row("rows", $"{i}")));
        await MeasureAsync("point read", i => table.GetEntityAsync<TableEntity>("rows", $"{i}"));
        await MeasureAsync("update with its ETag unknown (*)", i => table.UpdateEntityAsync(Row("rows", $"{i}"), ETag.All));
        foreach (var entities in new[] { 1, 3, 5 })
        {
            await MeasureAsync($"transaction of {entities} insert{(entities > 1 ? "s" : "")}", i => table.SubmitTransactionAsync(
                Enumerable.Range(0, entities).Select(e => new TableTransactionAction(TableTransactionActionType.Add, Row($"t{entities}", $"{i}-{e}")))));
        }

        await MeasureAsync("enqueue (a job id)", _ => queue.SendMessageAsync("01a237ce093f77828cd0de52e9958fd7"));
        var received = new System.Collections.Concurrent.ConcurrentQueue<(string Id, string Receipt)>();
        foreach (var message in (await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => queue.ReceiveMessagesAsync(32)))).SelectMany(r => r.Value))
            received.Enqueue((message.MessageId, message.PopReceipt));
        await MeasureAsync("delete a message", async _ =>
        {
            if (received.TryDequeue(out var message))
                await queue.DeleteMessageAsync(message.Id, message.Receipt);
        });
        await queue.ClearMessagesAsync();
        await MeasureAsync("receive, empty (a poll)", _ => queue.ReceiveMessagesAsync(16));
    }
}
