using Azure.Data.Tables;
using Offload.Jobs;

namespace Offload.Testing;

/// <summary>The jobs as stored, read straight from storage past the API: a job's row (its parts, its lease owner, its output name).</summary>
public static class StoredJobs
{
    public static JobStore Open(string connectionString)
    {
        var tables = new TableServiceClient(connectionString);
        var options = Microsoft.Extensions.Options.Options.Create(new JobOptions());
        return new JobStore(tables, new ActiveJobs(tables, TimeProvider.System, options), new JobKinds([]), TimeProvider.System, options);
    }
}
