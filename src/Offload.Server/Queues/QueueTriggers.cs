using System.Runtime.ExceptionServices;
using Azure.Core;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host.Timers;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Messaging;

namespace Offload.Server.Queues;

/// <summary>
/// Runs the queue triggers with the Azure WebJobs SDK, the listener the Functions host itself runs, so dequeue,
/// visibility renewal, retries and poison queues behave as in Azure. The listener settings come from the root
/// host.json (<c>extensions.queues</c>, overridable as in Azure with <c>AzureFunctionsJobHost__extensions__queues__*</c>);
/// the concurrency of each queue comes from <see cref="WorkerOptions"/>.
/// </summary>
/// <remarks>
/// Each served queue gets a job host of its own: its own listener and its own concurrency, so a backlog of encodes
/// never holds up an email (host.json's batch size is app-wide, which is why Azure runs one app per queue).
/// A storage outage does not reach the listeners as an error they do not expect: <see cref="ListenerOutagePolicy"/> on
/// their storage client makes them back off and poll again. Should a listener still hit one, the SDK would end the
/// process; the Functions host survives that by restarting its job host, and so does this, while the HTTP API keeps
/// answering.
/// </remarks>
public sealed partial class QueueTriggers(
    IServiceProvider app, IConfiguration configuration, IOptions<WorkerOptions> worker, ILogger<QueueTriggers> logger)
    : BackgroundService
{
    public const string HostJsonOverridePrefix = "AzureFunctionsJobHost__";
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);

    // Each queue's job host serves the queue, its poison queue, so no job outlives its dead message, and the watchdog,
    // so every worker process can bring back the jobs of a worker that died (each trigger has its own listener and slots).
    private static readonly Type[] Triggers =
        [typeof(WorkQueueTrigger), typeof(WorkQueueDeadLetterTrigger), typeof(WatchdogTrigger), typeof(WatchdogDeadLetterTrigger)];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(worker.Value.ServedQueues.Select(queue => ServeAsync(queue, worker.Value.ConcurrencyOf(queue), stoppingToken)));

    private async Task ServeAsync(string queue, int concurrency, CancellationToken stoppingToken)
    {
        LogServing(logger, queue, concurrency);
        while (!stoppingToken.IsCancellationRequested)
        {
            var failure = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var jobHost = BuildJobHost(queue, concurrency, failure);
            try
            {
                await jobHost.StartAsync(stoppingToken);
                var exception = await failure.Task.WaitAsync(stoppingToken);
                LogListenerFailed(logger, queue, RestartDelay.TotalSeconds, exception.Message, exception);
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

    private IHost BuildJobHost(string queue, int concurrency, TaskCompletionSource<Exception> failure) =>
        new HostBuilder()
            .UseContentRoot(AppContext.BaseDirectory)
            .ConfigureAppConfiguration(c => c.AddConfiguration(configuration).AddInMemoryCollection(new Dictionary<string, string?>
            {
                [ServedQueue.NameSetting] = queue,
                [ServedQueue.PoisonSetting] = QueueNames.PoisonOf(queue),
            }))
            .ConfigureWebJobs(webJobs => webJobs.AddAzureStorageQueues(options =>
            {
                ReadHostJson().GetSection("extensions:queues").Bind(options);
                (options.BatchSize, options.NewBatchThreshold) = WorkQueue.ListenerSettings(concurrency);
            }))
            .ConfigureServices(services =>
            {
                // The trigger classes get the application's own handlers (and its logging), not copies.
                services.AddSingleton<ILoggerFactory>(new ReadableScopes(app.GetRequiredService<ILoggerFactory>()));
                services.AddSingleton(new ServedQueue(queue));
                services.AddSingleton(app.GetRequiredService<JobRunner>());
                services.AddSingleton(app.GetRequiredService<DeadLetterHandler>());
                services.AddSingleton(app.GetRequiredService<WatchdogHandler>());
                services.AddSingleton<ITypeLocator>(new QueueTriggerTypes(Triggers));
                services.AddSingleton<IWebJobsExceptionHandlerFactory>(new RestartOnFailure(failure));
                // The listener's own storage client rides out an outage instead of stopping this job host.
                services.AddAzureClients(clients => clients.ConfigureDefaults(options =>
                    options.AddPolicy(new ListenerOutagePolicy(TimeProvider.System), HttpPipelinePosition.PerCall)));
                // The outer host owns Ctrl-C, SIGTERM and the start-up messages.
                services.AddSingleton<IHostLifetime, InnerLifetime>();
            })
            .Build();

    public static IConfiguration ReadHostJson() =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "host.json"), optional: false)
            .AddEnvironmentVariables(HostJsonOverridePrefix)
            .Build();

    private sealed class QueueTriggerTypes(Type[] triggers) : ITypeLocator
    {
        public IReadOnlyList<Type> GetTypes() => triggers;
    }

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
        Message = "The {Queue} listener stopped on an unexpected error; restarting it in {DelaySeconds} s: {Reason}")]
    private static partial void LogListenerFailed(ILogger logger, string queue, double delaySeconds, string reason, Exception exception);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Serving {Queue} with concurrency {Concurrency}")]
    private static partial void LogServing(ILogger logger, string queue, int concurrency);
}

public static class QueueTriggersExtensions
{
    /// <summary>The queue listeners; <c>--queues</c> and <c>--concurrency</c> on the command line choose what this process serves.</summary>
    public static IServiceCollection AddOffloadQueueTriggers(this IServiceCollection services)
    {
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        // The WebJobs queue listener holds each message it delivers for 10 minutes (renewed while it runs); the
        // functionTimeout of host.json is the one the Functions host would impose, so the server holds to it too.
        services.Configure<HostFacts>(facts =>
        {
            facts.MessageHold = TimeSpan.FromMinutes(10);
            facts.FunctionTimeout = TimeSpan.TryParse(QueueTriggers.ReadHostJson()["functionTimeout"], System.Globalization.CultureInfo.InvariantCulture, out var timeout)
                ? timeout : null;
        });
        return services.AddHostedService<QueueTriggers>();
    }
}
