using System.Runtime.ExceptionServices;
using Microsoft.Azure.WebJobs.Host.Timers;
using Offload.Videos;

namespace Offload.Server.Queues;

/// <summary>
/// Runs the queue triggers with the Azure WebJobs SDK, the listener the Functions host itself runs, so dequeue,
/// visibility renewal, retries and poison queues behave as in Azure. Its settings come from the root host.json
/// (<c>extensions.queues</c>), overridable as in Azure with <c>AzureFunctionsJobHost__extensions__queues__batchSize</c>.
/// </summary>
/// <remarks>
/// The SDK ends its process when a listener hits an error it does not expect (storage unreachable, say): the
/// Functions host survives that by restarting its job host. This does the same: the SDK runs in an inner host that
/// is rebuilt after such a failure, while the HTTP API keeps answering (health says 503 meanwhile).
/// </remarks>
public sealed partial class QueueTriggers(IServiceProvider app, IConfiguration configuration, ILogger<QueueTriggers> logger)
    : BackgroundService
{
    public const string HostJsonOverridePrefix = "AzureFunctionsJobHost__";
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var failure = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var jobHost = BuildJobHost(failure);
            try
            {
                await jobHost.StartAsync(stoppingToken);
                var exception = await failure.Task.WaitAsync(stoppingToken);
                LogListenerFailed(logger, RestartDelay.TotalSeconds, exception.Message, exception);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // shutting down
            }
            finally
            {
                // Running functions get the host's shutdown timeout to finish or give their message back.
                await jobHost.StopAsync(CancellationToken.None);
            }

            await Task.Delay(RestartDelay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private IHost BuildJobHost(TaskCompletionSource<Exception> failure) =>
        new HostBuilder()
            .UseContentRoot(AppContext.BaseDirectory)
            .ConfigureAppConfiguration(c => c.AddConfiguration(configuration))
            .ConfigureWebJobs(webJobs =>
                webJobs.AddAzureStorageQueues(queues => ReadHostJson().GetSection("extensions:queues").Bind(queues)))
            .ConfigureServices(services =>
            {
                // The trigger classes get the application's own handlers (and its logging), not copies.
                services.AddSingleton(app.GetRequiredService<ILoggerFactory>());
                services.AddSingleton(app.GetRequiredService<EncodeVideoHandler>());
                services.AddSingleton<IWebJobsExceptionHandlerFactory>(new RestartOnFailure(failure));
                // The outer host owns Ctrl-C, SIGTERM and the start-up messages.
                services.AddSingleton<IHostLifetime, InnerLifetime>();
            })
            .Build();

    public static IConfiguration ReadHostJson() =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "host.json"), optional: false)
            .AddEnvironmentVariables(HostJsonOverridePrefix)
            .Build();

    private sealed class InnerLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class RestartOnFailure(TaskCompletionSource<Exception> failure) : IWebJobsExceptionHandlerFactory, IWebJobsExceptionHandler
    {
        public IWebJobsExceptionHandler Create(IHost jobHost) => this;

        public Task OnTimeoutExceptionAsync(ExceptionDispatchInfo exceptionInfo, TimeSpan timeoutGracePeriod) =>
            OnUnhandledExceptionAsync(exceptionInfo);

        public Task OnUnhandledExceptionAsync(ExceptionDispatchInfo exceptionInfo)
        {
            failure.TrySetResult(exceptionInfo.SourceException);
            return Task.CompletedTask;
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error,
        Message = "The queue listener stopped on an unexpected error; restarting it in {DelaySeconds} s: {Reason}")]
    private static partial void LogListenerFailed(ILogger logger, double delaySeconds, string reason, Exception exception);
}

public static class QueueTriggersExtensions
{
    public static IServiceCollection AddOffloadQueueTriggers(this IServiceCollection services) =>
        services.AddHostedService<QueueTriggers>();
}
