namespace Offload.Storage;

/// <summary>Names shared by the code, both hosts, the tests and infra/ (keep them in step with the Bicep).</summary>
public static class StorageNames
{
    /// <summary>
    /// The connection setting used by the queue triggers and by the app's own clients: a connection string
    /// locally, or <c>AzureWebJobsStorage__blobServiceUri</c>/<c>__queueServiceUri</c>/<c>__tableServiceUri</c>
    /// (+ <c>__credential=managedidentity</c>, <c>__clientId</c>) in Azure.
    /// </summary>
    public const string ConnectionName = "AzureWebJobsStorage";

    public const string UploadsContainer = "uploads";
    public const string OutputsContainer = "outputs";
    public const string JobsTable = "jobs";
    public const string IdempotencyTable = "idempotency";
    public const string ApiKeysTable = "apikeys";
    public const string QuotasTable = "quotas";
    public const string ActiveJobsTable = "activejobs";
    public const string JobExpiriesTable = "jobexpiries";

    public static string SourceBlobName(string jobId) => jobId;

    public static string OutputBlobName(string jobId) => $"{jobId}.mp4";
}
