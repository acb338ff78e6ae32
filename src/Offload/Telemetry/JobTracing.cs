using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Offload.Jobs;
using Offload.Messaging;

namespace Offload.Telemetry;

/// <summary>
/// One trace from the request to the work: the sender's span context travels in the message envelope
/// (<see cref="JobMessage.TraceParent"/>), and the worker's span is its child, in whichever process it runs.
/// </summary>
/// <remarks>
/// The delivery span is started in <see cref="JobRunner.HandleAsync"/>, the method that awaits the claim and the work,
/// on the line that opens the job's log scope: <see cref="Activity.Current"/> is an async local, and one set inside a
/// helper <c>async</c> method would be gone when it returns, so the claim, the SMTP send and the encode would not be
/// its children.
/// </remarks>
public static class JobTracing
{
    /// <summary>The producer span of putting a job id on <paramref name="queue"/>; its context goes into the message.</summary>
    public static Activity? StartSend(string queue, string jobId)
    {
        var activity = Instrumentation.Source.StartActivity($"send {queue}", ActivityKind.Producer);
        activity?.SetTag("messaging.system", MessagingSystem);
        activity?.SetTag("messaging.operation.type", "send");
        activity?.SetTag("messaging.destination.name", queue);
        activity?.SetTag(JobIdTag, jobId);
        return activity;
    }

    /// <summary>
    /// What every delivery of a job's message runs inside: a consumer span, child of the sender's span (a watchdog
    /// check links to it instead: it comes a lease later and is not part of the request's time), and the job's log
    /// scope, so every line of the work carries the job id and the trace id.
    /// </summary>
    public static IDisposable BeginDelivery(string queue, JobMessage message, ILogger logger)
    {
        var sender = message.TraceContext;
        var asChild = sender is { } context && queue != QueueNames.Watchdog ? context : default;
        List<ActivityLink> links = [];
        if (sender is { } linked && asChild == default)
            links.Add(new ActivityLink(linked));
        if (Activity.Current is { } invocation)
            links.Add(new ActivityLink(invocation.Context)); // the host's own span of the invocation (Functions)

        var activity = Instrumentation.Source.StartActivity($"process {queue}", ActivityKind.Consumer, asChild, links: links);
        activity?.SetTag("messaging.system", MessagingSystem);
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.destination.name", queue);
        activity?.SetTag(JobIdTag, message.JobId);
        return new Delivery(activity, logger.BeginJobScope(message.JobId));
    }

    public const string JobIdTag = "offload.job.id";

    /// <summary>Azure Queue Storage has no name in the messaging conventions yet; this is the one the docs use.</summary>
    public const string MessagingSystem = "azure.storage.queues";

    private sealed class Delivery(Activity? activity, IDisposable? scope) : IDisposable
    {
        public void Dispose()
        {
            scope?.Dispose();
            activity?.Dispose();
        }
    }
}
