using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Offload.Access;
using Offload.Email;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Quotas;
using Offload.Storage;

namespace Offload.IntegrationTests.Quotas;

/// <summary>
/// The recipient's hourly count rides in the email job's creation (the job's id is in the counter's shard): on real
/// Azurite, with two instances, the count is still a compare-and-set, so one recipient never gets more than its hour.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class RecipientQuotaTests(StorageFixture fixture)
{
    [Fact]
    public async Task TwoInstancesEmailingOneRecipientAtOnce_NeverCreateMoreThanItsHour_AndEachJobCountsInItsOwnShard()
    {
        var settings = new Dictionary<string, string?> { ["Quotas:Enabled"] = "true", ["Quotas:EmailsPerRecipientPerHour"] = "5", ["Quotas:EmailsPerMinute"] = "1000" };
        // Mid-minute and mid-hour, and still: the takes all fall in one window.
        var clock = new FakeTimeProvider(new DateTimeOffset(DateTime.UtcNow.Date.AddHours(DateTime.UtcNow.Hour).AddMinutes(30).AddSeconds(30), TimeSpan.Zero));
        await using var first = fixture.CreateServices(settings, services => services.AddSingleton<TimeProvider>(clock));
        await using var second = fixture.CreateServices(settings, services => services.AddSingleton<TimeProvider>(clock));
        var caller = new Caller($"key:recipient-{Guid.NewGuid():N}", new HashSet<string> { Scopes.Emails });
        var to = $"ada-{Guid.NewGuid():N}@example.com";

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? first : second).GetRequiredService<QueueEmailHandler>()
            .HandleAsync(new QueueEmailCommand(caller.OwnerId, to, "welcome", new Dictionary<string, string> { ["name"] = "Ada" }, Requester: caller), CancellationToken.None)));

        var accepted = results.OfType<QueueEmailResult.Accepted>().Select(a => a.Job).ToList();
        Assert.Equal(5, accepted.Count);
        Assert.All(results.Except<QueueEmailResult>(results.OfType<QueueEmailResult.Accepted>()), r =>
            Assert.Equal("Quotas:EmailsPerRecipientPerHour", Assert.IsType<QueueEmailResult.OverQuota>(r).Refusal.Setting));
        var shard = Assert.Single(accepted.Select(j => j.PartitionKey).Distinct());
        var counter = Assert.Single(fixture.Tables.GetTableClient(StorageNames.JobsTable)
            .Query<Azure.Data.Tables.TableEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {shard} and RowKey ge {JobRows.CounterPrefix}")),
            row => row.GetString("Bucket")?.Contains(to, StringComparison.Ordinal) == true);
        Assert.Equal(5, counter.GetInt64("Count"));
        // A refusal takes nothing: the owner's minute holds only what was accepted.
        Assert.Equal(5, (await second.GetRequiredService<RateCounters>().GetAsync($"emails|{caller.OwnerId}", TimeSpan.FromMinutes(1), CancellationToken.None)).Count);
    }
}
