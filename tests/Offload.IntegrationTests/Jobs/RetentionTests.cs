using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;
using Offload.Storage;
using Offload.Testing;

namespace Offload.IntegrationTests.Jobs;

/// <summary>
/// Retention on real Azurite, with a clock the test moves: a finished job, its history and its files are deleted once
/// Jobs:Retention has passed since it ended, and nothing younger is touched.
/// </summary>
public sealed class RetentionTests(StorageFixture fixture) : IClassFixture<StorageFixture>, IDisposable
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private ServiceProvider? _services;

    private IServiceProvider Services => _services ??= fixture.CreateServices(
        new Dictionary<string, string?> { ["Jobs:Retention"] = "30.00:00:00" },
        services => services.AddSingleton<TimeProvider>(_clock));

    private JobStore Jobs => Services.GetRequiredService<JobStore>();

    public void Dispose() => _services?.Dispose();

    private async Task<Job> FinishedVideoAsync(string status = JobStatus.Succeeded)
    {
        var job = await fixture.UploadAsync(new MemoryStream(new byte[1024]), services: Services);
        var running = (await Jobs.TryMoveAsync(job, JobStatus.Processing, "Attempt 1 started.", j => j.Attempts = 1, CancellationToken.None))!;
        var done = (await Jobs.TryMoveAsync(running, status, "Ended.", null, CancellationToken.None))!;
        // A run's own output, and one under the name outputs had before they were named per run: both are the job's files.
        foreach (var name in new[] { StorageNames.OutputBlobName(job.Id, Guid.NewGuid().ToString("N")), StorageNames.LegacyOutputBlobName(job.Id) })
            await fixture.Blobs.GetBlobContainerClient(StorageNames.OutputsContainer).GetBlobClient(name).UploadAsync(BinaryData.FromString("an mp4"));
        return done;
    }

    private async Task<bool> IsListedAsync(Job job) =>
        (await fixture.Tables.GetTableClient(StorageNames.JobsTable).GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>(
            job.PartitionKey, JobRows.ListKey(job.CreatedAt, job.Id))).HasValue;

    private async Task<List<string>> BlobsOfAsync(string container, string id)
    {
        var names = new List<string>();
        await foreach (var blob in fixture.Blobs.GetBlobContainerClient(container).GetBlobsAsync(BlobTraits.None, BlobStates.All, id, CancellationToken.None))
            names.Add(blob.Name);
        return names;
    }

    [Fact]
    public async Task AFinishedJob_ItsHistoryAndItsFiles_AreDeletedOnceRetentionHasPassed_AndNotBefore()
    {
        var retention = Services.GetRequiredService<Retention>();
        var old = await FinishedVideoAsync();
        _clock.Advance(TimeSpan.FromDays(10));
        var younger = await FinishedVideoAsync();
        Assert.NotEmpty(await BlobsOfAsync(StorageNames.UploadsContainer, old.Id));

        _clock.Advance(TimeSpan.FromDays(19));
        Assert.Equal(0, await retention.CleanUpAsync(CancellationToken.None)); // 29 days: kept
        Assert.NotNull(await Jobs.GetAsync(old.Id, CancellationToken.None));

        _clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await retention.CleanUpAsync(CancellationToken.None)); // 31 days after the first ended

        Assert.Null(await Jobs.GetAsync(old.Id, CancellationToken.None));
        Assert.Empty(await Jobs.GetHistoryAsync(old.Id, CancellationToken.None));
        Assert.Empty(await BlobsOfAsync(StorageNames.UploadsContainer, old.Id));
        Assert.Empty(await BlobsOfAsync(StorageNames.OutputsContainer, old.Id));
        Assert.False(await IsListedAsync(old)); // its row in the list of jobs went with it
        // The younger one (21 days) is all there.
        Assert.NotNull(await Jobs.GetAsync(younger.Id, CancellationToken.None));
        Assert.NotEmpty(await Jobs.GetHistoryAsync(younger.Id, CancellationToken.None));
        Assert.NotEmpty(await BlobsOfAsync(StorageNames.OutputsContainer, younger.Id));
        Assert.True(await IsListedAsync(younger));
        Assert.Contains(fixture.Logs.Entries, e => e.EventId.Id == 1070 && e.Scopes.Contains($"Job {old.Id}"));
    }

    [Fact]
    public async Task AJobThatEndedBeforeTheListExisted_IsDeletedAllTheSame()
    {
        var retention = Services.GetRequiredService<Retention>();
        var job = await FinishedVideoAsync();
        await fixture.Tables.GetTableClient(StorageNames.JobsTable).DeleteEntityAsync(job.PartitionKey, JobRows.ListKey(job.CreatedAt, job.Id));

        _clock.Advance(TimeSpan.FromDays(32));
        await retention.CleanUpAsync(CancellationToken.None);

        Assert.Null(await Jobs.GetAsync(job.Id, CancellationToken.None));
        Assert.Empty(await Jobs.GetHistoryAsync(job.Id, CancellationToken.None));
    }

    [Fact]
    public async Task AJobIsDeletedOnTheDayAfterItsExpiryDay_WhateverTheHourItEnded()
    {
        var retention = Services.GetRequiredService<Retention>();
        var job = await FinishedVideoAsync();
        var endOfExpiryDay = (job.CompletedAt!.Value + TimeSpan.FromDays(30)).UtcDateTime.Date.AddDays(1);

        _clock.SetUtcNow(new DateTimeOffset(endOfExpiryDay.AddMinutes(-1), TimeSpan.Zero)); // late on its expiry day
        await retention.CleanUpAsync(CancellationToken.None);
        Assert.NotNull(await Jobs.GetAsync(job.Id, CancellationToken.None)); // that day is not over: not read yet
        _clock.SetUtcNow(new DateTimeOffset(endOfExpiryDay.AddMinutes(1), TimeSpan.Zero)); // just after midnight
        await retention.CleanUpAsync(CancellationToken.None);
        Assert.Null(await Jobs.GetAsync(job.Id, CancellationToken.None));
    }

    [Fact]
    public async Task AJobSentThroughAgain_IsKeptForTheRetentionOfItsNewEnd()
    {
        var retention = Services.GetRequiredService<Retention>();
        var failed = await FinishedVideoAsync(JobStatus.Failed);
        _clock.Advance(TimeSpan.FromDays(20));
        var queued = (await Jobs.TryMoveAsync((await Jobs.GetAsync(failed.Id, CancellationToken.None))!, JobStatus.Queued, "Sent through again.", null, CancellationToken.None))!;
        await Jobs.TryMoveAsync(queued, JobStatus.Cancelled, "Cancelled.", null, CancellationToken.None);

        _clock.Advance(TimeSpan.FromDays(11)); // 31 days after the first end, 11 after the second
        await retention.CleanUpAsync(CancellationToken.None);

        Assert.Equal(JobStatus.Cancelled, (await Jobs.GetAsync(failed.Id, CancellationToken.None))!.Status);
        _clock.Advance(TimeSpan.FromDays(20));
        await retention.CleanUpAsync(CancellationToken.None);
        Assert.Null(await Jobs.GetAsync(failed.Id, CancellationToken.None));
    }

    [Fact]
    public async Task DeadLetters_GoAfterTheRetentionOfJobs()
    {
        var letters = Services.GetRequiredService<DeadLetters>();
        var queue = $"test{Guid.NewGuid():N}"[..20];
        await letters.KeepAsync(new DeadLetterCommand(queue, "{}", 5, Guid.NewGuid().ToString(), DateTimeOffset.UtcNow), null, "Unreadable.", CancellationToken.None);
        Assert.Equal(1, await letters.CountAsync(queue, 10, CancellationToken.None));

        _clock.Advance(TimeSpan.FromDays(29)); // the rows' Timestamps are storage's own
        await Services.GetRequiredService<Retention>().CleanUpAsync(CancellationToken.None);
        Assert.Equal(1, await letters.CountAsync(queue, 10, CancellationToken.None));
        _clock.Advance(TimeSpan.FromDays(2));
        await Services.GetRequiredService<Retention>().CleanUpAsync(CancellationToken.None);
        Assert.Equal(0, await letters.CountAsync(queue, 10, CancellationToken.None));
    }

    [Fact]
    public async Task IdempotencyRecords_GoAfterTheirDay()
    {
        var keys = Services.GetRequiredService<Offload.Idempotency.IdempotencyKeys>();
        var key = Guid.NewGuid().ToString("N");
        await keys.TryClaimAsync(TestCallers.Owner.OwnerId, "emails", key, "fingerprint", JobId.New(), CancellationToken.None);
        var table = fixture.Tables.GetTableClient(StorageNames.IdempotencyTable);
        Assert.NotEmpty(table.Query<Azure.Data.Tables.TableEntity>().ToList());

        _clock.Advance(TimeSpan.FromHours(25)); // the rows' Timestamps are storage's own: now older than the fake day
        await Services.GetRequiredService<Retention>().CleanUpAsync(CancellationToken.None);

        Assert.Empty(table.Query<Azure.Data.Tables.TableEntity>().ToList());
    }

    [Fact]
    public async Task QuotaCounters_GoTwoDaysAfterTheirWindowBegan_AndNotBefore()
    {
        var counters = Services.GetRequiredService<Offload.Quotas.RateCounters>();
        var bucket = $"test-{Guid.NewGuid():N}";
        Assert.Null(await counters.TryTakeAsync(bucket, 10, TimeSpan.FromDays(1), 1, CancellationToken.None));
        var retention = Services.GetRequiredService<Retention>();

        _clock.Advance(TimeSpan.FromDays(1));
        await retention.CleanUpAsync(CancellationToken.None);
        Assert.Equal(1, CounterRows(bucket)); // a day's window, a day on: it may still be read

        _clock.Advance(TimeSpan.FromDays(2));
        await retention.CleanUpAsync(CancellationToken.None);
        Assert.Equal(0, CounterRows(bucket));
    }

    private int CounterRows(string bucket) => fixture.Tables.GetTableClient(StorageNames.JobsTable)
        .Query<Azure.Data.Tables.TableEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {Offload.Quotas.RateCounters.ShardOf(bucket)} and Bucket eq {bucket}"))
        .Count();
}
