using Microsoft.Extensions.DependencyInjection;
using Offload.Access;
using Offload.Email;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Storage;
using Offload.Testing;

namespace Offload.IntegrationTests.Jobs;

/// <summary>
/// What a job costs in storage operations, counted by a proxy in front of Azurite (every operation is billed on Azure,
/// and every round trip is time): each step of an email's life, operation by operation. The benchmark
/// (tests/Offload.Benchmarks, --only ops) counts the same through two server processes, queue polling included.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class StorageOperationsTests(StorageFixture fixture)
{
    [Fact]
    public async Task AnEmail_IsThreeOperationsToAccept_AndThreeToRun()
    {
        await using var counter = StorageOperationCounter.Start(fixture.Azurite, "test");
        await using var services = fixture.CreateServices(new Dictionary<string, string?>
        {
            [StorageNames.ConnectionName] = counter.ConnectionString,
            ["Quotas:Enabled"] = "true",
        });
        var caller = new Caller($"key:ops-{Guid.NewGuid():N}", new HashSet<string> { Scopes.Emails });
        var emails = services.GetRequiredService<QueueEmailHandler>();
        var runner = services.GetRequiredService<JobRunner>();

        async Task<(List<StorageOperation> Accept, List<StorageOperation> Run)> SendAsync(int n)
        {
            var before = counter.Operations.Count;
            var accepted = Assert.IsType<QueueEmailResult.Accepted>(await emails.HandleAsync(new QueueEmailCommand(
                caller.OwnerId, $"user{n}@example.com", "password-reset",
                new Dictionary<string, string> { ["name"] = "Ada", ["resetLink"] = "http://127.0.0.1:7071/reset/1" }, Requester: caller), CancellationToken.None));
            var accept = counter.Operations.Skip(before).ToList();
            before = counter.Operations.Count;
            await runner.HandleAsync(new JobDelivery(QueueNames.HighPriority, JobMessage.For(accepted.Job.Id).ToJson(), 1), CancellationToken.None);
            Assert.Equal(JobStatus.Succeeded, (await fixture.Jobs.GetAsync(accepted.Job.Id, CancellationToken.None))!.Status);
            return (accept, counter.Operations.Skip(before).ToList());
        }

        await SendAsync(0); // the first of an owner on this instance: its quota row is added, its webhook endpoints read
        var (accept, run) = await SendAsync(1);

        Assert.Equal(
        [
            "jobs update",          // the owner's emails this minute, with the ETag this instance wrote last
            "jobs transaction",     // the job, its history's first entry, its place among the unfinished, its row in
                                    // the list of jobs, and the recipient's emails this hour (a new window, added): the
                                    // job is in the counter's shard
            "high-priority put message",
        ], accept.Select(Name));
        Assert.Equal(5, accept.Single(op => op.Kind == "transaction").BatchOperations);
        Assert.Equal(
        [
            "jobs point read",      // the claim reads the job …
            "jobs transaction",     // … and moves it to processing with its history entry and its row in the list
            "jobs transaction",     // sent: succeeded, history, out of the unfinished, filed to expire, the list
        ], run.Select(Name)); // no watchdog check (it ended within half a lease); the owner's webhook endpoints known for 5 s
    }

    private static string Name(StorageOperation op) => $"{op.Resource} {op.Kind}";
}
