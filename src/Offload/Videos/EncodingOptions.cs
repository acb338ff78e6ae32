using System.ComponentModel.DataAnnotations;

namespace Offload.Videos;

/// <summary>How videos are encoded (section <c>Encoding</c>, e.g. <c>Encoding__Crf</c>).</summary>
public sealed class EncodingOptions
{
    public const string SectionName = "Encoding";

    /// <summary>libx264 preset: speed against file size.</summary>
    [Required, AllowedValues("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")]
    public string Preset { get; set; } = "veryfast";

    /// <summary>Constant rate factor: 18 is visually lossless, 23 the x264 default, 28 small.</summary>
    [Range(0, 51)]
    public int Crf { get; set; } = 23;

    /// <summary>Videos taller than this are scaled down (aspect kept, dimensions even).</summary>
    [Range(16, 4320)]
    public int MaxHeight { get; set; } = 1080;

    /// <summary>AAC bitrate in kbit/s when the source has audio.</summary>
    [Range(32, 512)]
    public int AudioBitrateKbps { get; set; } = 128;

    /// <summary>
    /// How many deliveries of one encode message may fail with a transient fault before the job fails.
    /// Keep it below host.json's <c>maxDequeueCount</c> so the job, not the poison queue, records the reason.
    /// </summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The wait before the second attempt; it doubles with every further attempt (with ±20 % jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between two attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    public Jobs.RetryPolicy Retry => new(MaxAttempts, RetryBaseDelay, RetryMaxDelay);

    /// <summary>Folder holding ffmpeg and ffprobe; empty means the PATH.</summary>
    public string? FfmpegFolder { get; set; }

    /// <summary>Where sources and outputs are written while a job runs; empty means the system temp folder.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>
    /// The longest one encode may take, download to upload: then ffmpeg is stopped and the job fails as timed out,
    /// without a retry (another try would time out too). Keep it below host.json's <c>functionTimeout</c> (2 h), so the
    /// job, not the host, ends a run that is too long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TimeLimit { get; set; } = TimeSpan.FromMinutes(90);

    public string ResolveWorkingDirectory() =>
        string.IsNullOrWhiteSpace(WorkingDirectory) ? Path.Combine(Path.GetTempPath(), "offload") : WorkingDirectory;
}
