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

    /// <summary>Email templates laid over the built-in ones, where <c>Email__TemplatesContainer</c> names it (infra/ does).</summary>
    public const string EmailTemplatesContainer = "email-templates";
    public const string JobsTable = "jobs";
    public const string IdempotencyTable = "idempotency";
    public const string ApiKeysTable = "apikeys";
    public const string QuotasTable = "quotas";
    public const string ActiveJobsTable = "activejobs";
    public const string JobExpiriesTable = "jobexpiries";
    public const string WebhooksTable = "webhooks";
    public const string WebhookSecretsTable = "webhooksecrets";
    public const string WebhookDeliveriesTable = "webhookdeliveries";

    /// <summary>Every message that died, kept for a person to look at, send on again or delete (<see cref="Jobs.DeadLetters"/>).</summary>
    public const string DeadLettersTable = "deadletters";

    /// <summary>Every container the application uses (created at start-up and by infra/).</summary>
    public static IReadOnlyList<string> Containers { get; } = [UploadsContainer, OutputsContainer, EmailTemplatesContainer];

    /// <summary>Every table the application uses (created at start-up and by infra/).</summary>
    public static IReadOnlyList<string> Tables { get; } =
        [JobsTable, IdempotencyTable, ApiKeysTable, QuotasTable, ActiveJobsTable, JobExpiriesTable, WebhooksTable, WebhookSecretsTable, WebhookDeliveriesTable, DeadLettersTable];

    public static string SourceBlobName(string jobId) => jobId;

    /// <summary>
    /// The output of one run of a job (<paramref name="runId"/> = the run's <c>LeaseOwner</c>): every run writes a blob
    /// of its own, so two workers that both believe they hold the job (one cut off from the table, one that took the
    /// job over) never write the same blob, and a stale run's late upload cannot replace the result. The job records
    /// which one is its result (<c>VideoOutput.BlobName</c>, in the job's result) in the same compare-and-set that moves it to succeeded.
    /// </summary>
    public static string OutputBlobName(string jobId, string runId) => $"{jobId}/{runId}.mp4";

    /// <summary>A picture of one run's output (poster, thumbnail, storyboard), named per run as the output is.</summary>
    public static string PictureBlobName(string jobId, string runId, string name) => $"{jobId}/{runId}/{name}";

    /// <summary>
    /// What one run of a part of a split encode made (a video part, or the whole audio): beside the video's outputs, so
    /// its retention takes them; deleted once the video is stitched.
    /// </summary>
    public static string PartBlobName(string videoId, string partId, string runId, string extension) => $"{videoId}/parts/{partId}-{runId}.{extension}";

    /// <summary>The folder of a video's parts (<see cref="PartBlobName"/>).</summary>
    public static string PartsPrefix(string videoId) => $"{videoId}/parts/";

    /// <summary>Where jobs that succeeded before outputs were named per run keep theirs (their result names no blob).</summary>
    public static string LegacyOutputBlobName(string jobId) => $"{jobId}.mp4";

    /// <summary>A job's result: the blob its row names, or the old fixed name for rows written before that.</summary>
    public static string OutputBlobNameOf(string jobId, string? recorded) => recorded ?? LegacyOutputBlobName(jobId);
}
