using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Offload.Jobs;
using Offload.Messaging;
using Offload.Quotas;
using Offload.Videos.Splitting;

namespace Offload.Videos;

public static class VideosServiceCollectionExtensions
{
    /// <summary>
    /// Videos: the upload API, and the <c>video</c> kind of work that encodes them on <c>heavy-compute</c>, with the
    /// <c>video-part</c> and <c>video-audio</c> kinds a long one is split into.
    /// </summary>
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
            AsAnEncode(kind);
            // Another run is a new encode: it counts like a new video, so retries are no way around the quotas.
            kind.ChargeRetry = retry => retry.Services.GetRequiredService<OwnerQuotas>()
                .TakeVideoAsync(retry.Caller, retry.Job.Id, retry.Payload.Notify, retry.CancellationToken);
            kind.LegacyRow = VideoJob.FromLegacyRow;
            kind.View = VideoJobView.From;
            kind.Events[JobStatus.Succeeded] = "video.succeeded";
            kind.Events[JobStatus.Failed] = "video.failed";
            kind.Events[JobStatus.Cancelled] = "video.cancelled";
        });
        // The parts of a split video: the same queue, retries and faults as a whole one.
        services.AddJobKind<VideoPartPayload, EncodePartHandler>(VideoPartJobs.PartKind, QueueNames.HeavyCompute, AsAnEncode);
        services.AddJobKind<VideoAudioPayload, EncodeAudioHandler>(VideoPartJobs.AudioKind, QueueNames.HeavyCompute, AsAnEncode);
        services.AddSingleton<VideoEncoder>();
        services.AddSingleton<SplitEncoder>();
        services.AddSingleton<EncodeWork>();
        services.AddSingleton<PartSourceLinks>();
        services.AddSingleton<IJobEndListener, SplitVideoCleanup>();
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

    /// <summary>What every kind of encode shares: the attempts and backoff of <c>Encoding</c>, and its faults.</summary>
    private static void AsAnEncode<TPayload>(JobKindSettings<TPayload> kind) where TPayload : IJobPayload
    {
        kind.Retry = sp => sp.GetRequiredService<IOptions<EncodingOptions>>().Value.Retry;
        kind.Faults = EncodeVideoHandler.Classify;
    }
}
