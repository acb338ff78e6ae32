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
/// the concurrency of each queue comes from <see cref="WorkerOptions"/>, its polling pace from queues.json.
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

    // The watchdog's check and the poison queues' dead messages are rare and nobody waits on them by the second.
    private const int HousekeepingConcurrency = 16;

    /// <summary>One job host's listeners: the triggers it runs, how many messages at once, how long it waits at most between two polls when idle.</summary>
    private sealed record ListenerGroup(string Name, string Queue, Type[] Triggers, int Concurrency, TimeSpan MaxPollingInterval);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Groups().Select(group => ServeAsync(group, stoppingToken)));

    /// <summary>
    /// Each served queue gets a job host at its own pace (queues.json), and one beside it for its poison queue, so no
    /// job outlives its dead message; the first of them also serves the watchdog, so every worker process can bring back
    /// the jobs of a worker that died. The housekeeping hosts poll slowly: an idle listener costs a poll every interval.
    /// </summary>
    private IEnumerable<ListenerGroup> Groups()
    {
        var served = worker.Value.ServedQueues;
        for (var i = 0; i < served.Count; i++)
        {
            var queue = WorkQueues.Get(served[i]);
            yield return new ListenerGroup(queue.Name, queue.Name, [typeof(WorkQueueTrigger)], worker.Value.ConcurrencyOf(queue.Name), queue.MaxPollingInterval);
            Type[] housekeeping = i == 0
                ? [typeof(WorkQueueDeadLetterTrigger), typeof(WatchdogTrigger), typeof(WatchdogDeadLetterTrigger)]
                : [typeof(WorkQueueDeadLetterTrigger)];
            yield return new ListenerGroup(queue.Poison, queue.Name, housekeeping, HousekeepingConcurrency, WorkQueues.HousekeepingPolling);
        }
    }

    private async Task ServeAsync(ListenerGroup group, CancellationToken stoppingToken)
    {
        var polling = PollingOverride() ?? group.MaxPollingInterval;
        LogServing(logger, group.Name, group.Concurrency, polling.TotalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            var failure = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var jobHost = BuildJobHost(group, polling, failure);
            try
            {
                await jobHost.StartAsync(stoppingToken);
                var exception = await failure.Task.WaitAsync(stoppingToken);
                LogListenerFailed(logger, group.Name, RestartDelay.TotalSeconds, exception.Message, exception);
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

    private IHost BuildJobHost(ListenerGroup group, TimeSpan polling, TaskCompletionSource<Exception> failure) =>
        new HostBuilder()
            .UseContentRoot(AppContext.BaseDirectory)
            .ConfigureAppConfiguration(c => c.AddConfiguration(configuration).AddInMemoryCollection(new Dictionary<string, string?>
            {
                [ServedQueue.NameSetting] = group.Queue,
                [ServedQueue.PoisonSetting] = QueueNames.PoisonOf(group.Queue),
            }))
            .ConfigureWebJobs(webJobs => webJobs.AddAzureStorageQueues(options =>
            {
                ReadHostJson().GetSection("extensions:queues").Bind(options);
                (options.BatchSize, options.NewBatchThreshold) = WorkQueue.ListenerSettings(group.Concurrency);
                options.MaxPollingInterval = polling;
            }))
            .ConfigureServices(services =>
            {
                // The trigger classes get the application's own handlers (and its logging), not copies.
                services.AddSingleton<ILoggerFactory>(new ReadableScopes(app.GetRequiredService<ILoggerFactory>()));
                services.AddSingleton(new ServedQueue(group.Queue));
                services.AddSingleton(app.GetRequiredService<JobRunner>());
                services.AddSingleton(app.GetRequiredService<DeadLetterHandler>());
                services.AddSingleton(app.GetRequiredService<WatchdogHandler>());
                services.AddSingleton<ITypeLocator>(new QueueTriggerTypes(group.Triggers));
                services.AddSingleton<IWebJobsExceptionHandlerFactory>(new RestartOnFailure(failure));
                // The listener's own storage client rides out an outage instead of stopping this job host.
                services.AddAzureClients(clients => clients.ConfigureDefaults(options =>
                    options.AddPolicy(new ListenerOutagePolicy(TimeProvider.System), HttpPipelinePosition.PerCall)));
                // The outer host owns Ctrl-C, SIGTERM and the start-up messages.
                services.AddSingleton<IHostLifetime, InnerLifetime>();
            })
            .Build();

    /// <summary>
    /// <c>AzureFunctionsJobHost__extensions__queues__maxPollingInterval</c>, when set: every listener's, as the app
    /// setting is in Azure (app-wide); otherwise each group polls at its own pace.
    /// </summary>
    private static TimeSpan? PollingOverride() =>
        new ConfigurationBuilder().AddEnvironmentVariables(HostJsonOverridePrefix).Build()
            .GetValue<TimeSpan?>("extensions:queues:maxPollingInterval");

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

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Serving {Queue} with concurrency {Concurrency}, polling at most {PollingSeconds} s apart when idle")]
    private static partial void LogServing(ILogger logger, string queue, int concurrency, double pollingSeconds);
}

public static class QueueTriggersExtensions
{
    /// <summary>The queue listeners; <c>--queues</c> and <c>--concurrency</c> on the command line choose what this process serves.</summary>
    public static IServiceCollection AddOffloadQueueTriggers(this IServiceCollection services)
    {
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        // The WebJobs queue listener holds each message it delivers for 10 minutes (renewed while it runs); the
        // functionTimeout of host.json is the one the Functions host would impose, so the server holds to it too.
        services.AddOptions<HostFacts>().Configure<IOptions<WorkerOptions>>((facts, worker) =>
        {
            facts.ServedQueues = worker.Value.ServedQueues;
            facts.MessageHold = TimeSpan.FromMinutes(10);
            facts.FunctionTimeout = TimeSpan.TryParse(QueueTriggers.ReadHostJson()["functionTimeout"], System.Globalization.CultureInfo.InvariantCulture, out var timeout)
                ? timeout : null;
        });
        return services.AddHostedService<QueueTriggers>();
    }
}
