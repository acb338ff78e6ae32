using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Quotas;

namespace Offload.Videos;

public static class VideosServiceCollectionExtensions
{
    /// <summary>Videos: the upload API, and the <c>video</c> kind of work that encodes them on <c>heavy-compute</c>.</summary>
    public static IServiceCollection AddVideos(this IServiceCollection services)
    {
        services.AddOptions<VideoOptions>().BindConfiguration(VideoOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EncodingOptions>().BindConfiguration(EncodingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart()
            .PostConfigure(o =>
            {
                // No folder set: use the ffmpeg the package ships (Azure), else the PATH's.
                if (string.IsNullOrWhiteSpace(o.FfmpegFolder) && !OperatingSystem.IsWindows())
                    o.FfmpegFolder = BundledFfmpeg.Prepare(AppContext.BaseDirectory, Path.GetTempPath());
            });
        services.AddSingleton<IValidateOptions<EncodingOptions>, EncodingTimeLimitValidator>();

        services.AddJobKind<VideoPayload, EncodeVideoHandler>(VideoJob.Kind, QueueNames.HeavyCompute, kind =>
        {
            kind.Retry = sp => sp.GetRequiredService<IOptions<EncodingOptions>>().Value.Retry;
            kind.Faults = EncodeVideoHandler.Classify;
            // Another run is a new encode: it counts like a new video, so retries are no way around the quotas.
            kind.ChargeRetry = retry => retry.Services.GetRequiredService<OwnerQuotas>()
                .TakeVideoAsync(retry.Caller, retry.Job.Id, retry.Payload.Notify, retry.CancellationToken);
            kind.LegacyRow = VideoJob.FromLegacyRow;
        });
        services.AddSingleton<VideoEncoder>();
        services.AddHostedService<WorkFolderCleaner>();
        services.AddSingleton<IJobEndListener, VideoNotifications>();

        services.AddSingleton<QueueVideoJob>();
        services.AddSingleton<UploadVideoHandler>();
        services.AddSingleton<GetVideoHandler>();
        services.AddSingleton<GetVideoOutputHandler>();
        services.AddSingleton<CancelVideoHandler>();
        services.AddSingleton<VideoApi>();
        return services;
    }
}
