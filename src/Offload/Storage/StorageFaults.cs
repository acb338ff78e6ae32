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
        HttpRequestException or TimeoutException or System.Net.Sockets.SocketException => true,
        // Only the SDK's retry policy gathers faults into one: each is a try that could not reach storage, a
        // connection refused, reset or cut off midway (an IOException) among them.
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0
            && aggregate.InnerExceptions.All(inner => inner is IOException || IsUnavailable(inner)),
        _ => false,
    };

    /// <summary>
    /// Runs <paramref name="action"/>, and while storage is unavailable runs it again every second, for at most
    /// <paramref name="patience"/>; then the last fault is thrown. For workers, which hold a message anyway: a short
    /// outage then costs seconds, not the queue listener's 10-minute wait for the message to come back.
    /// </summary>
    public static async Task<T> RetryWhileUnavailableAsync<T>(
        Func<Task<T>> action, TimeSpan patience, Action<Exception> onWait, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            try
            {
                return await action();
            }
            catch (Exception ex) when (IsUnavailable(ex) && DateTime.UtcNow < deadline)
            {
                onWait(ex);
                await Task.Delay(RetryInterval, cancellationToken);
            }
        }
    }

    public static Task RetryWhileUnavailableAsync(Func<Task> action, TimeSpan patience, Action<Exception> onWait, CancellationToken cancellationToken) =>
        RetryWhileUnavailableAsync(async () =>
        {
            await action();
            return true;
        }, patience, onWait, cancellationToken);

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
}
