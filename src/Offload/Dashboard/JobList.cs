using Azure.Data.Tables;
using Offload.Jobs;
using Offload.Storage;

namespace Offload.Dashboard;

/// <summary>What a page of the job list is filtered by; <c>null</c> filters nothing.</summary>
/// <param name="Parts">Whether the parts of split jobs are listed too (they are jobs of their own).</param>
/// <param name="After">The cursor of the page before (<see cref="JobListPage.Next"/>): this page starts after it.</param>
public sealed record JobListQuery(
    string? Kind = null, string? Status = null, string? Owner = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null,
    bool Parts = false, string? After = null, int Limit = JobListQuery.DefaultLimit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
}

/// <summary>A page of the job list, newest first, and the cursor of the next one (<c>null</c> at the end).</summary>
public sealed record JobListPage(IReadOnlyList<JobListing> Jobs, string? Next);

/// <summary>
/// Every job, newest first, from their rows in the list (<see cref="JobListing"/>): a page reads the range of its time
/// window in each of the sixteen shards at once, filtered there by status, kind and owner, and merges them by key.
/// A page costs sixteen queries (more when a filter skips many rows), whatever the table holds.
/// </summary>
public sealed class JobList(TableServiceClient tables)
{
    private readonly TableClient _table = tables.GetTableClient(StorageNames.JobsTable);

    public async Task<JobListPage> ListAsync(JobListQuery query, CancellationToken cancellationToken)
    {
        var filter = FilterOf(query);
        // One more than a page from each shard: whether any is left over says whether there is a next page.
        var shards = await Task.WhenAll(JobRows.Shards.Select(shard => TakeAsync(TableClient.CreateQueryFilter($"PartitionKey eq {shard}") + " and " + filter, query.Limit + 1, cancellationToken)));
        var merged = shards.SelectMany(rows => rows).OrderBy(row => row.RowKey, StringComparer.Ordinal).ToList();
        var page = merged.Take(query.Limit).ToList();
        return new JobListPage(page, merged.Count > query.Limit ? Cursor.Of(page[^1].RowKey) : null);
    }

    private static string FilterOf(JobListQuery query)
    {
        var (from, to) = JobRows.ListRange(query.Since, query.Until);
        var clauses = new List<string> { TableClient.CreateQueryFilter($"RowKey ge {from} and RowKey lt {to}") };
        if (query.After is not null)
            clauses.Add(TableClient.CreateQueryFilter($"RowKey gt {Cursor.KeyOf(query.After)}"));
        if (query.Status is not null)
            clauses.Add(TableClient.CreateQueryFilter($"Status eq {query.Status}"));
        if (query.Kind is not null)
            clauses.Add(TableClient.CreateQueryFilter($"Kind eq {query.Kind}"));
        if (query.Owner is not null)
            clauses.Add(TableClient.CreateQueryFilter($"Owner eq {query.Owner}"));
        if (!query.Parts)
            clauses.Add("Part eq false");
        return string.Join(" and ", clauses);
    }

    private async Task<List<JobListing>> TakeAsync(string filter, int count, CancellationToken cancellationToken)
    {
        var rows = new List<JobListing>(count);
        await foreach (var row in _table.QueryAsync<JobListing>(filter, maxPerPage: count, cancellationToken: cancellationToken))
        {
            rows.Add(row);
            if (rows.Count == count)
                break;
        }

        return rows;
    }

    /// <summary>
    /// A page's cursor: its last row's key without the prefix, with a dot for the bar (<c>{19 digits}.{id}</c>), so it
    /// reads well in a URL and is checked before it reaches a query.
    /// </summary>
    public static class Cursor
    {
        public static string Of(string listKey) => listKey[JobRows.ListPrefix.Length..].Replace('|', '.');

        public static string KeyOf(string cursor) => JobRows.ListPrefix + cursor.Replace('.', '|');

        public static bool IsValid(string cursor) =>
            cursor.Length > 20 && cursor[19] == '.' && cursor[..19].All(char.IsAsciiDigit) && cursor[20..].All(char.IsAsciiLetterOrDigit);
    }
}
