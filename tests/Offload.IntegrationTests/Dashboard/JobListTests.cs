using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Offload.Dashboard;
using Offload.IntegrationTests.Infrastructure;
using Offload.Jobs;

namespace Offload.IntegrationTests.Dashboard;

/// <summary>
/// The list of every job (<see cref="JobListing"/>, <see cref="JobList"/>) on real Azurite: kept by the jobs' own
/// transactions, newest first across the shards, filtered in storage, paged without losing or repeating a job. Each test
/// lists only its own owner's jobs, as other tests share the table.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class JobListTests(StorageFixture fixture) : IDisposable
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly string _owner = $"key:list-{Guid.NewGuid():N}";
    private ServiceProvider? _services;

    private IServiceProvider Services => _services ??= fixture.CreateServices(configure: services => services.AddSingleton<TimeProvider>(_clock));

    private JobStore Jobs => Services.GetRequiredService<JobStore>();

    private JobList List => Services.GetRequiredService<JobList>();

    public void Dispose() => _services?.Dispose();

    /// <summary>A job of the test's owner, one second after the one before, in the shard of <paramref name="shard"/> (a hex digit).</summary>
    private async Task<Job> CreateAsync(char shard, string kind = "email")
    {
        _clock.Advance(TimeSpan.FromSeconds(1));
        var job = Job.New(JobId.New()[..^1] + shard, kind, _owner, _clock.GetUtcNow(), new Offload.Email.EmailPayload("to@example.com", "welcome", new Dictionary<string, string>()));
        await Jobs.CreateAsync(job, "Queued.", CancellationToken.None);
        return job;
    }

    private Task<JobListPage> ListAsync(JobListQuery query) => List.ListAsync(query with { Owner = _owner }, CancellationToken.None);

    [Fact]
    public async Task EveryJob_IsListedNewestFirst_AcrossTheShards_WithTheStatusItsLastMoveWrote()
    {
        var created = new List<Job>();
        foreach (var shard in "0f3a7")
            created.Add(await CreateAsync(shard));
        var running = (await Jobs.TryMoveAsync(created[1], JobStatus.Processing, "Attempt 1 started.", j => (j.Attempts, j.Worker) = (1, "host/42"), CancellationToken.None))!;
        await Jobs.TryMoveAsync(running, JobStatus.Failed, "The SMTP server refused it.", j => j.Error = "The SMTP server refused it: " + new string('x', 400), CancellationToken.None);
        await Jobs.TryMoveAsync(created[3], JobStatus.Processing, "Attempt 1 started.", j => j.Attempts = 1, CancellationToken.None);

        var page = await ListAsync(new JobListQuery());

        Assert.Equal(created.Select(j => j.Id).Reverse(), page.Jobs.Select(j => j.JobId));
        Assert.Null(page.Next);
        Assert.Equal([JobStatus.Queued, JobStatus.Processing, JobStatus.Queued, JobStatus.Failed, JobStatus.Queued], page.Jobs.Select(j => j.Status));
        var failed = page.Jobs[3];
        Assert.Equal((1, "host/42"), (failed.Attempts, failed.Worker));
        Assert.NotNull(failed.CompletedAt);
        Assert.StartsWith("The SMTP server refused it: xxx", failed.Error);
        Assert.Equal(JobListing.ErrorLength, failed.Error!.Length); // a list row keeps the start of a long error; the job all of it
        Assert.Equal(_owner, failed.Owner);
    }

    [Fact]
    public async Task AStatusKindOrTimeWindow_IsAFilterInStorage()
    {
        var first = await CreateAsync('1');
        var video = await CreateAsync('2', kind: "video");
        var third = await CreateAsync('3');
        await Jobs.TryMoveAsync(third, JobStatus.Cancelled, "Cancelled.", null, CancellationToken.None);

        Assert.Equal([third.Id], (await ListAsync(new JobListQuery(Status: JobStatus.Cancelled))).Jobs.Select(j => j.JobId));
        Assert.Equal([video.Id], (await ListAsync(new JobListQuery(Kind: "video"))).Jobs.Select(j => j.JobId));
        Assert.Equal([third.Id, first.Id], (await ListAsync(new JobListQuery(Kind: "email"))).Jobs.Select(j => j.JobId));
        // since inclusive, until exclusive: the second job alone.
        Assert.Equal([video.Id], (await ListAsync(new JobListQuery(Since: video.CreatedAt, Until: third.CreatedAt))).Jobs.Select(j => j.JobId));
        Assert.Empty((await ListAsync(new JobListQuery(Since: third.CreatedAt.AddTicks(1)))).Jobs);
        Assert.Empty((await List.ListAsync(new JobListQuery(Owner: $"key:nobody-{Guid.NewGuid():N}"), CancellationToken.None)).Jobs);
    }

    [Fact]
    public async Task Pages_ListEveryJobOnce_InOrder_WhateverShardsTheyAreIn()
    {
        var created = new List<Job>();
        foreach (var shard in "00a5b5c0e") // several in one shard, and pages that end inside one
            created.Add(await CreateAsync(shard));

        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await ListAsync(new JobListQuery(After: cursor, Limit: 4));
            Assert.True(page.Jobs.Count <= 4);
            seen.AddRange(page.Jobs.Select(j => j.JobId));
            cursor = page.Next;
            Assert.True(++pages <= 3, "more pages than jobs call for");
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(created.Select(j => j.Id).Reverse(), seen);
        Assert.True(JobList.Cursor.IsValid(JobList.Cursor.Of(JobRows.ListKey(created[0].CreatedAt, created[0].Id))));
    }

    [Fact]
    public async Task PartsOfASplitJob_AreListedOnlyWhenAskedFor()
    {
        var parent = await CreateAsync('4');
        var parts = Enumerable.Range(0, 30).Select(i => new Job // more than one transaction's worth
        {
            PartitionKey = parent.PartitionKey,
            RowKey = JobRows.JobKey(JobParts.IdOf(parent.Id, "run", i)),
            Kind = "video-part", Owner = _owner, Status = JobStatus.Queued, CreatedAt = _clock.GetUtcNow(), UpdatedAt = _clock.GetUtcNow(),
            ParentId = parent.Id, PartIndex = i,
        }).ToList();
        await Jobs.CreateAllAsync(parts, p => $"Part {p.PartIndex + 1}.", CancellationToken.None);

        Assert.Equal([parent.Id], (await ListAsync(new JobListQuery())).Jobs.Select(j => j.JobId));
        var all = await ListAsync(new JobListQuery(Parts: true, Limit: JobListQuery.MaxLimit));
        Assert.Equal(31, all.Jobs.Count);
        Assert.All(all.Jobs.Where(j => j.JobId != parent.Id), j => Assert.Equal((true, parent.Id), (j.Part, j.ParentId)));
    }
}
