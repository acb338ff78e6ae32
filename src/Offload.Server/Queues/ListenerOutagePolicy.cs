using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Offload.Server.Queues;

/// <summary>
/// Keeps the queue listeners alive through a storage outage. The WebJobs listener backs off when a receive fails with
/// a storage error it knows (a <see cref="RequestFailedException"/> of status 5xx), but a connection that cannot be
/// made ends, once the SDK's own retries are spent (about 50 s), in an exception it does not catch: it then stops its
/// job host, and the messages it held stay hidden for the rest of their 10 minutes. This policy, on the listener's
/// own queue client only, turns that into what the listener expects:
/// <list type="bullet">
/// <item>a read (receive, peek, exists) that cannot reach storage fails as 503, and the listener backs off and polls
/// again (at most <c>maxPollingInterval</c> apart);</item>
/// <item>a write (delete a finished message, renew a running one's visibility, move one to its poison queue) is tried
/// again every second until storage answers, for as long as the listener holds a message anyway, so a finished
/// message is deleted once storage is back instead of coming back 10 minutes later.</item>
/// </list>
/// </summary>
public sealed class ListenerOutagePolicy(TimeProvider clock) : HttpPipelinePolicy
{
    /// <summary>How long a write is tried again: the listener hides a message it holds for 10 minutes.</summary>
    public static readonly TimeSpan WritePatience = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: false).AsTask().GetAwaiter().GetResult();

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: true);

    private async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
    {
        var isRead = message.Request.Method == RequestMethod.Get || message.Request.Method == RequestMethod.Head;
        var deadline = clock.GetUtcNow() + WritePatience;
        while (true)
        {
            try
            {
                if (async)
                    await ProcessNextAsync(message, pipeline);
                else
                    ProcessNext(message, pipeline);

                // A write that storage answered with a server error (the SDK's retries spent): wait and try again.
                if (isRead || message.Response.Status is not (>= 500 or 408) || clock.GetUtcNow() >= deadline)
                    return;
            }
            // Anything the pipeline below throws is a failure to talk to storage (a refused or broken connection, a
            // timeout), whatever its wrapping: the SDK's retry policy gathers its tries into an AggregateException.
            // A try that hung until the SDK's network timeout surfaces as a TaskCanceledException: the listener's own
            // token, not the exception's type, says whether the call was meant to stop. A credential that cannot get a
            // token is a misconfiguration, not an outage: it fails loudly.
            catch (Exception ex) when (!message.CancellationToken.IsCancellationRequested && ex is not Azure.Identity.AuthenticationFailedException)
            {
                if (isRead || clock.GetUtcNow() >= deadline)
                    throw new RequestFailedException(503, $"Storage could not be reached: {ex.Message}", "ServiceUnavailable", ex);
            }

            await Task.Delay(RetryInterval, clock, message.CancellationToken);
        }
    }
}
