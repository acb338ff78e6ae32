using System.Globalization;

namespace Offload.Videos;

/// <summary>
/// An encode needs the source and the output on local disk at once; say so before starting, not halfway. The source's
/// size is known before the download; the output's is estimated from what the probe found, never from the source's
/// size, which says nothing about it: 14 MB of black frames can stand for hours of 1080p.
/// </summary>
public static class DiskSpace
{
    /// <summary>Room kept free for ffmpeg's own files and everything else on the machine.</summary>
    public const long Reserve = 256L * 1024 * 1024;

    /// <summary>
    /// Bits per output pixel and frame that libx264 at the default CRF stays below on camera footage (typical
    /// footage is near 0.05; fast sport near 0.2). Noise can go higher: <see cref="EncodingOptions.MaxOutputBytes"/>
    /// caps what ffmpeg writes, so the estimate never needs to be larger than that.
    /// </summary>
    public const double BitsPerPixelBound = 0.25;

    /// <summary>
    /// The most the encoded file is expected to take: the probed duration at an upper bitrate bound for the output
    /// frame (scaled down to <see cref="EncodingOptions.MaxHeight"/>, at most <see cref="EncodingOptions.MaxFrameRate"/>),
    /// plus the audio, capped by <see cref="EncodingOptions.MaxOutputBytes"/>.
    /// </summary>
    public static long EstimateOutputBytes(MediaInfo source, EncodingOptions options)
    {
        var height = Math.Min(source.Height, options.MaxHeight);
        var width = (double)source.Width * height / source.Height;
        // An unknown frame rate (0 or NaN) counts as the highest one accepted.
        var frameRate = source.FrameRate > 0 ? Math.Min(source.FrameRate, options.MaxFrameRate) : options.MaxFrameRate;
        var bitsPerSecond = width * height * frameRate * BitsPerPixelBound + (source.HasAudio ? options.AudioBitrateKbps * 1000.0 : 0);
        var bytes = source.Duration.TotalSeconds * bitsPerSecond / 8;
        return bytes >= options.MaxOutputBytes ? options.MaxOutputBytes : (long)Math.Ceiling(bytes);
    }

    /// <summary>A readable reason when there is no room to download a <paramref name="sourceBytes"/> source, otherwise <c>null</c>.</summary>
    public static string? ShortfallForSource(long sourceBytes, long freeBytes) =>
        Shortfall(sourceBytes, freeBytes, "to download the source");

    /// <summary>A readable reason when there is no room for an output of <paramref name="outputBytes"/> (the source already on disk), otherwise <c>null</c>.</summary>
    public static string? ShortfallForOutput(long outputBytes, long freeBytes) =>
        Shortfall(outputBytes, freeBytes, "for the encoded output (estimated from the video's length and frame size)");

    private static string? Shortfall(long bytes, long freeBytes, string what) =>
        freeBytes >= bytes + Reserve
            ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"Not enough temporary disk space for this video: it needs about {(bytes + Reserve) / 1048576} MB {what}, " +
                $"{freeBytes / 1048576} MB are free. Set Encoding__WorkingDirectory to a larger disk.");
}
