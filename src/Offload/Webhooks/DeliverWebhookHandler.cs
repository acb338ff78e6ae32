using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Offload.Jobs;

namespace Offload.Webhooks;

/// <summary>
/// The work of a <c>webhook</c> job: POSTs the event to its endpoint, signed (<see cref="WebhookSignature"/>). A 2xx
/// answer within <see cref="WebhookOptions.Timeout"/> is a delivery; anything else (another status, a redirect, a
/// timeout, no connection) is retried with backoff until <see cref="WebhookOptions.RetryWindow"/> has passed since the
/// event, then the delivery is <c>failed</c>. An endpoint whose address turns out not to be public, or that was
/// deleted, fails at once. Each attempt's outcome is its history's code: the HTTP status, or timeout/unreachable/refused.
/// </summary>
public sealed partial class DeliverWebhookHandler(
    WebhookEndpoints endpoints, WebhookSender sender, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<DeliverWebhookHandler> logger)
    : IJobHandler<WebhookDeliveryPayload>
{
    public async Task<JobResult> RunAsync(WebhookDeliveryPayload delivery, JobContext context, CancellationToken cancellationToken)
    {
        var endpoint = await endpoints.GetAsync(context.Owner ?? "", delivery.EndpointId, cancellationToken);
        var secret = await endpoints.GetSecretAsync(context.Owner ?? "", delivery.EndpointId, cancellationToken);
        if (endpoint is null || secret is null)
            throw new PermanentJobException("The endpoint was deleted; the event was not delivered.", code: "deleted");
        var body = delivery.Body();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        var now = clock.GetUtcNow();
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Create(now, body, secret.SecretsAt(now)));
        request.Headers.Add("Offload-Event-Id", delivery.EventId);
        request.Headers.Add("Offload-Event-Type", delivery.EventType);
        request.Headers.Add("Offload-Delivery-Id", context.JobId);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Offload-Webhooks", "1"));

        var host = new Uri(endpoint.Url).Host; // the log names the host, never the path or query (they may carry a token)
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await sender.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (status is >= 200 and < 300)
            {
                LogDelivered(logger, delivery.EventType, host, status, ms);
                return new JobResult($"Delivered: the endpoint answered HTTP {status} in {ms:0} ms.", new WebhookDeliveryResult(status, Math.Round(ms, 1)))
                {
                    Code = status.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
            }

            LogNotAccepted(logger, delivery.EventType, host, status);
            throw new TransientJobException($"The endpoint answered HTTP {status}.", code: status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogNotAccepted(logger, delivery.EventType, host, 0);
            throw new TransientJobException($"The endpoint did not answer within {options.Value.Timeout.TotalSeconds:0.#} s.", code: "timeout");
        }
        catch (HttpRequestException ex) when (ex.InnerException is WebhookAddressException refused)
        {
            LogRefused(logger, host, refused.Message);
            throw new PermanentJobException(refused.Message, ex, code: "refused");
        }
        catch (HttpRequestException ex)
        {
            LogUnreachable(logger, host, ex);
            throw new TransientJobException("The endpoint could not be reached.", ex, code: "unreachable");
        }
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "{EventType} delivered to {Host}: HTTP {StatusCode} in {Milliseconds:0} ms")]
    private static partial void LogDelivered(ILogger logger, string eventType, string host, int statusCode, double milliseconds);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "{EventType} not accepted by {Host}: HTTP {StatusCode} (0: no answer in time)")]
    private static partial void LogNotAccepted(ILogger logger, string eventType, string host, int statusCode);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Warning, Message = "The endpoint {Host} could not be reached")]
    private static partial void LogUnreachable(ILogger logger, string host, Exception exception);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "A delivery to {Host} was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string host, string reason);
}
