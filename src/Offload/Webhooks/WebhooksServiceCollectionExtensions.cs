using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Messaging;

namespace Offload.Webhooks;

public static class WebhooksServiceCollectionExtensions
{
    /// <summary>Signed webhooks: the endpoints API, the listener that turns a job's end into events, and the <c>webhook</c> kind that delivers them on <c>webhooks</c>.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebhookEndpoints>();
        services.AddSingleton<WebhookDeliveries>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<IJobEndListener, PublishWebhookEvents>();

        // A delivery raises no event of its own: a webhook about a webhook could loop.
        services.AddJobKind<WebhookDeliveryPayload, DeliverWebhookHandler>(WebhookDelivery.Kind, QueueNames.Webhooks, kind =>
            kind.Retry = sp => sp.GetRequiredService<IOptions<WebhookOptions>>().Value.Retry);

        services.AddSingleton<WebhooksApi>();
        return services;
    }
}
