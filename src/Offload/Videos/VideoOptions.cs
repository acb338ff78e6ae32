using System.ComponentModel.DataAnnotations;

namespace Offload.Videos;

/// <summary>Settings for accepting uploads (section <c>Videos</c>, e.g. <c>Videos__MaxUploadBytes</c>).</summary>
public sealed class VideoOptions
{
    public const string SectionName = "Videos";

    /// <summary>The largest body POST /api/videos accepts. Default 100 MB, the Azure Functions HTTP limit.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// The largest source accepted through a direct upload (POST /api/uploads, then submit). Default 20 GiB.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxSourceBytes { get; set; } = 20L * 1024 * 1024 * 1024;

    /// <summary>How long an upload link (write-only SAS) stays valid: minutes, not hours.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "04:00:00")]
    public TimeSpan UploadLinkLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a download link for an encoded video stays valid.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan DownloadLinkLifetime { get; set; } = TimeSpan.FromMinutes(15);
}
