using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Offload.Access;
using Offload.Email;
using Offload.Health;
using Offload.Idempotency;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Quotas;
using Offload.Storage;
using Offload.Uploads;
using Offload.Videos;

namespace Offload;

public static class OffloadServiceCollectionExtensions
{
    /// <summary>The whole application, as both hosts register it: storage, access, jobs, queues, videos, email, health.</summary>
    public static IServiceCollection AddOffload(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOffloadStorage(configuration);
        services.AddHostedService<StorageInitializer>();
        services.AddSingleton(TimeProvider.System);
        services.AddOffloadAccess(configuration);
        services.AddOptions<JobOptions>().BindConfiguration(JobOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ActiveJobs>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<Retention>();
        services.AddSingleton<JobSweeper>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobWorker>();
        services.AddSingleton<WatchdogHandler>();
        services.AddSingleton<IdempotencyKeys>();
        services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RateCounters>();
        services.AddSingleton<OwnerQuotas>();
        services.AddSingleton<RetryJobHandler>();
        services.AddSingleton<JobApi>();
        services.AddSingleton<HandleDeadLetter>();

        services.AddOptions<VideoOptions>().BindConfiguration(VideoOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EncodingOptions>().BindConfiguration(EncodingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart()
            .PostConfigure(o =>
            {
                // No folder set: use the ffmpeg the package ships (Azure), else the PATH's.
                if (string.IsNullOrWhiteSpace(o.FfmpegFolder) && !OperatingSystem.IsWindows())
                    o.FfmpegFolder = BundledFfmpeg.Prepare(AppContext.BaseDirectory, Path.GetTempPath());
            });
        services.AddSingleton<IValidateOptions<EncodingOptions>, EncodingTimeLimitValidator>();
        services.AddSingleton<BlobLinks>();
        services.AddSingleton<VideoEncoder>();
        services.AddHostedService<WorkFolderCleaner>();
        services.AddSingleton<QueueVideoJob>();
        services.AddSingleton<UploadVideoHandler>();
        services.AddSingleton<GetVideoHandler>();
        services.AddSingleton<GetVideoOutputHandler>();
        services.AddSingleton<CancelVideoHandler>();
        services.AddSingleton<EncodeVideoHandler>();
        services.AddSingleton<VideoNotifications>();
        services.AddSingleton<VideoApi>();
        services.AddSingleton<CreateUploadHandler>();
        services.AddSingleton<SubmitUploadHandler>();
        services.AddSingleton<UploadApi>();

        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new EmailLinks(sp.GetRequiredService<IOptions<EmailOptions>>().Value.LinkHosts));
        services.AddSingleton<EmailTemplateSources>();
        services.AddSingleton(sp => sp.GetRequiredService<EmailTemplateSources>().Load());
        services.AddHostedService<EmailTemplatesStartup>();
        services.AddSingleton<SmtpSender>();
        services.AddSingleton<QueueEmailHandler>();
        services.AddSingleton<SendEmailHandler>();
        services.AddSingleton<GetEmailHandler>();
        services.AddSingleton<EmailApi>();
        services.AddSingleton<EmailTemplatesApi>();

        services.AddSingleton<CheckHealthHandler>();
        services.AddSingleton<HealthApi>();
        return services;
    }
}
