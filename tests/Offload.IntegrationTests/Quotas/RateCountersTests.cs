using Offload.IntegrationTests.Infrastructure;
using Offload.Quotas;

namespace Offload.IntegrationTests.Quotas;

/// <summary>The counters behind every quota, on real Azurite: shared by instances, each take a compare-and-set.</summary>
[Collection(StorageCollection.Name)]
public sealed class RateCountersTests(StorageFixture fixture)
{
    [Fact]
    public async Task TwoInstancesTakingAtOnce_NeverTakeMoreThanTheLimit()
    {
        var bucket = $"test-{Guid.NewGuid():N}";
        var first = new RateCounters(fixture.Tables, TimeProvider.System);
        var second = new RateCounters(fixture.Tables, TimeProvider.System);

        // Each instance remembers the row as it last wrote it and writes the next count with that ETag; the other
        // instance's writes make those 412 and send it back to read.
        var takes = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            (i % 2 == 0 ? first : second).TryTakeAsync(bucket, 10, TimeSpan.FromHours(1), 1, CancellationToken.None)));

        Assert.Equal(10, takes.Count(t => t is null));
        Assert.Equal(10, (await first.GetAsync(bucket, TimeSpan.FromHours(1), CancellationToken.None)).Count);
    }

    [Fact]
    public async Task AUnitGivenBackByAnotherInstance_CanBeTakenAgain()
    {
        var bucket = $"test-{Guid.NewGuid():N}";
        var first = new RateCounters(fixture.Tables, TimeProvider.System);
        var second = new RateCounters(fixture.Tables, TimeProvider.System);
        Assert.Null(await first.TryTakeAsync(bucket, 1, TimeSpan.FromHours(1), 1, CancellationToken.None));
        Assert.NotNull(await first.TryTakeAsync(bucket, 1, TimeSpan.FromHours(1), 1, CancellationToken.None)); // full

        await second.AddAsync(bucket, TimeSpan.FromHours(1), -1, CancellationToken.None); // given back elsewhere

        Assert.Null(await first.TryTakeAsync(bucket, 1, TimeSpan.FromHours(1), 1, CancellationToken.None)); // what it remembered was stale
    }
}
