using System.Globalization;

namespace Offload.Videos;

/// <summary>A source or an output over one of the <see cref="EncodingOptions"/> limits: the setting, and why, for a person.</summary>
public sealed record LimitExceeded(string Setting, string Reason);

/// <summary>
/// What stops an encode bomb: a small upload that would hold an encode instance for hours (three hours of black
/// 1080p60 is 14 MB). The probe's findings are checked before any encoding starts, and what ffmpeg wrote is checked
/// after it stopped, because a file can lie about its length and ffmpeg is told to stop where the file said it ends.
/// </summary>
public static class EncodeLimits
{
    /// <summary>The first limit the probed source is over, or <c>null</c> when it may be encoded.</summary>
    public static LimitExceeded? Check(MediaInfo source, EncodingOptions options)
    {
        // No length, or one that is not a number: the duration limit cannot be checked, and a file written without
        // its length (a Matroska stream, say) is exactly how a long source would hide it.
        if (!(source.Duration > TimeSpan.Zero))
        {
            return new(nameof(EncodingOptions.MaxDuration),
                $"The video does not say how long it is, so it cannot be checked against the limit of {Clock(options.MaxDuration)} (Encoding:MaxDuration).");
        }

        if (source.Duration > options.MaxDuration)
        {
            return new(nameof(EncodingOptions.MaxDuration),
                $"The video is {Clock(source.Duration)} long; the limit is {Clock(options.MaxDuration)} (Encoding:MaxDuration).");
        }

        if ((long)source.Width * source.Height > options.MaxPixels)
        {
            return new(nameof(EncodingOptions.MaxPixels), string.Create(CultureInfo.InvariantCulture,
                $"The video's frames are {source.Width}x{source.Height} ({(long)source.Width * source.Height:N0} pixels); the limit is {options.MaxPixels:N0} pixels (Encoding:MaxPixels)."));
        }

        if (source.FrameRate > options.MaxFrameRate)
        {
            return new(nameof(EncodingOptions.MaxFrameRate), string.Create(CultureInfo.InvariantCulture,
                $"The video runs at {source.FrameRate:0.##} frames per second; the limit is {options.MaxFrameRate:0.##} (Encoding:MaxFrameRate)."));
        }

        return null;
    }

    /// <summary>
    /// Where ffmpeg stops reading (<c>-t</c>): a little past the length the source states. A file that states a short
    /// length and holds hours more (a Matroska header can say anything) gets only that far.
    /// </summary>
    public static TimeSpan EncodeUntil(MediaInfo source) =>
        source.Duration + TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(2).Ticks, source.Duration.Ticks / 50));

    /// <summary>The limit the finished output shows ffmpeg was stopped at, or <c>null</c> when the output is whole.</summary>
    public static LimitExceeded? CheckOutput(MediaInfo source, MediaInfo output, long outputBytes, EncodingOptions options)
    {
        // ffmpeg stops after the chunk that reaches -fs and then writes the index, so a cut file is at least that large.
        if (outputBytes >= options.MaxOutputBytes)
        {
            return new(nameof(EncodingOptions.MaxOutputBytes), string.Create(CultureInfo.InvariantCulture,
                $"The encoded video reached the output limit of {Megabytes(options.MaxOutputBytes)} (Encoding:MaxOutputBytes) after {Clock(output.Duration)} of {Clock(source.Duration)}."));
        }

        // Half a second of slack: ffmpeg ends an output cut by -t on the frame that crosses it.
        if (output.Duration >= EncodeUntil(source) - TimeSpan.FromMilliseconds(500))
        {
            return new(nameof(EncodingOptions.MaxDuration),
                $"The video runs longer than the {Clock(source.Duration)} it states; encoding stopped at {Clock(output.Duration)}.");
        }

        return null;
    }

    /// <summary>h:mm:ss, hours past 24 included, the way a video player shows a length.</summary>
    public static string Clock(TimeSpan value) =>
        string.Create(CultureInfo.InvariantCulture, $"{(long)value.TotalHours}:{value.Minutes:00}:{value.Seconds:00}");

    private static string Megabytes(long bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.#} MB");
}
