using Offload.Jobs;
using Offload.Testing;

namespace Offload.IntegrationTests.Infrastructure;

/// <summary>What a test reads straight from storage, past the API: the job's row as stored (its lease owner, output name).</summary>
public static class DirectStorage
{
    public static JobStore Jobs(string connectionString) => StoredJobs.Open(connectionString);
}
