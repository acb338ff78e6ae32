using Azure.Data.Tables;
using Offload.Jobs;

namespace Offload.IntegrationTests.Infrastructure;

/// <summary>What a test reads straight from storage, past the API: the job's row as stored (its lease owner, output name).</summary>
public static class DirectStorage
{
    public static JobStore Jobs(string connectionString)
    {
        var tables = new TableServiceClient(connectionString);
        var options = Microsoft.Extensions.Options.Options.Create(new JobOptions());
        return new JobStore(tables, new ActiveJobs(tables, TimeProvider.System, options), new JobKinds([]), TimeProvider.System, options);
    }
}
