using Azure;

namespace Offload.Storage;

/// <summary>Tells a storage outage (worth retrying later) from a real error.</summary>
public static class StorageFaults
{
    /// <summary>
    /// Storage could not be reached or answered with a server-side error. The SDK wraps the faults of its
    /// retries in an <see cref="AggregateException"/> once it gives up.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException or TimeoutException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsUnavailable),
        _ => false,
    };
}
