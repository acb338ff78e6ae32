using Offload.Access;
using Offload.Http;

namespace Offload.Dashboard;

/// <summary>The routes of what the people who run Offload see and do, relative to <see cref="ApiRoutes.Prefix"/>; all need <see cref="Policy"/>.</summary>
public static class DashboardRoutes
{
    public const string Policy = Scopes.Admin;

    public const string Jobs = "jobs";
    public const string Job = "jobs/{id}";
    public const string Retry = "jobs/{id}/retry";
    public const string Overview = "overview";
    public const string Queues = "queues";
    public const string DeadLetters = "queues/{name}/dead-letters";
    public const string DeadLetter = "queues/{name}/dead-letters/{id}";
    public const string RequeueDeadLetter = "queues/{name}/dead-letters/{id}/requeue";
    public const string RequeueDeadLetters = "queues/{name}/dead-letters/requeue";

    /// <summary>Where both hosts serve the page, outside the API's prefix: <c>/dashboard/</c>.</summary>
    public const string PagePrefix = "dashboard";

    /// <summary>The page's files, relative to the host's root.</summary>
    public const string Page = "dashboard/{*path}";

    public const string JobsPath = $"{ApiRoutes.Prefix}/jobs";

    public static string JobPath(string id) => $"{JobsPath}/{id}";

    public static string RetryPath(string id) => $"{JobsPath}/{id}/retry";

    public static string DeadLettersPath(string queue) => $"{ApiRoutes.Prefix}/queues/{queue}/dead-letters";
}
