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

    /// <summary>
    /// ffmpeg runs in Linux's idle scheduling class (SCHED_IDLE, <c>chrt --idle 0</c>): it gets a core only when no
    /// thread of normal priority wants it, so the worker's heartbeats and, where one machine serves everything, the API
    /// and the emails never wait behind an encode. Alone, it still gets every core; on a machine that is never idle an
    /// encode waits, its lease kept by the worker, until <see cref="TimeLimit"/>. <c>false</c>: <see cref="Niceness"/>.
    /// </summary>
    public bool IdleScheduling { get; set; } = true;

    /// <summary>
    /// How much lower than the worker's own ffmpeg runs (Linux <c>nice</c>, 0-19; 0 = the same) when
    /// <see cref="IdleScheduling"/> is off or util-linux's <c>chrt</c> is missing: each of its threads still takes a
    /// share of the CPU beside the worker's.
    /// </summary>
    [Range(0, 19)]
    public int Niceness { get; set; } = 10;

    /// <summary>Where sources and outputs are written while a job runs; empty means the system temp folder.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>
    /// The longest one encode may take, download to upload: then ffmpeg is stopped and the job fails as timed out,
    /// without a retry (another try would time out too). Keep it below host.json's <c>functionTimeout</c> (2 h), so the
    /// job, not the host, ends a run that is too long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TimeLimit { get; set; } = TimeSpan.FromMinutes(90);

    /// <summary>
    /// The longest source accepted; a longer one fails at once, before any encoding. Two hours is a feature film, and
    /// about the most libx264 <c>veryfast</c> gets through in the 90-minute <see cref="TimeLimit"/> on a 2-core instance
    /// (31-75 fps at 1080p: 2 h of 30 fps is 216,000 frames). A longer source would hold an instance for the whole
    /// time limit and then fail anyway, which is the encode bomb this limit stops. Raise it together with the time limit.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// The largest frame accepted, in pixels (width x height): 7680x4320, 8K UHD. The frame area, not the height,
    /// because a 30000x200 strip costs what its area costs to decode and scale.
    /// </summary>
    [Range(typeof(long), "256", "4294967296")]
    public long MaxPixels { get; set; } = 7680L * 4320;

    /// <summary>The highest average frame rate accepted: 120 fps covers slow-motion phone footage.</summary>
    [Range(1.0, 1000.0)]
    public double MaxFrameRate { get; set; } = 120;

    /// <summary>
    /// The largest encoded file: ffmpeg stops writing there (<c>-fs</c>) and the job fails. Default 16 GiB, more than
    /// two hours of 1080p60 at CRF 23 (camera footage rarely passes 10 Mbit/s); an output past it is noise or an attack.
    /// It also bounds the disk an encode needs (<see cref="DiskSpace"/>).
    /// </summary>
    [Range(1024L * 1024, long.MaxValue)]
    public long MaxOutputBytes { get; set; } = 16L * 1024 * 1024 * 1024;

    /// <summary>
    /// Sources longer than this are split at keyframes into parts of about <see cref="PartDuration"/>, encoded as jobs of
    /// their own on any worker and stitched (<see cref="Splitting.SplitPlan"/>); shorter ones are one job. A split costs
    /// a probe of every frame, a stitch and a transfer of each part; over a few minutes, the workers that share it win
    /// that back many times.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SplitAbove { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>About how long each part of a split video lasts (it is cut at the first keyframe past each multiple).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PartDuration { get; set; } = TimeSpan.FromMinutes(1);

    public string ResolveWorkingDirectory() =>
        string.IsNullOrWhiteSpace(WorkingDirectory) ? Path.Combine(Path.GetTempPath(), "offload") : WorkingDirectory;
}
