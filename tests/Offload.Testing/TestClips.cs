using System.Collections.Concurrent;

namespace Offload.Testing;

public enum Clip
{
    /// <summary>320x240 MPEG-4 Part 2 + MP3 in AVI: what Chromium cannot play, the reason the encode exists.</summary>
    WithAudio,
    Silent,
    /// <summary>321x241, lossless FFV1 in Matroska: odd dimensions that yuv420p cannot keep.</summary>
    OddSize,
    /// <summary>A phone video held upright: 240x428 H.264 + AAC.</summary>
    Portrait,
    /// <summary>320x240 stored sideways with rotation metadata of 90°: displays as 240x320.</summary>
    Rotated,
    HighFrameRate,
    /// <summary>2560x1440: taller than 1080 lines, so it is scaled down.</summary>
    Large,
    /// <summary>12 s of 720p: long enough to watch the progress move.</summary>
    Long,
}

/// <summary>Video clips made with the real ffmpeg the first time a test asks for them, once per test run.</summary>
public static class TestClips
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "offload-test-clips", Environment.ProcessId.ToString());
    private static readonly ConcurrentDictionary<Clip, Lazy<Task<string>>> Made = new();

    public static Task<string> PathOf(Clip clip) =>
        Made.GetOrAdd(clip, c => new Lazy<Task<string>>(() => MakeAsync(c))).Value;

    public static double SourceDurationSeconds(Clip clip) => clip switch
    {
        Clip.Long => 12,
        Clip.Large => 1,
        _ => 3,
    };

    private static async Task<string> MakeAsync(Clip clip)
    {
        Directory.CreateDirectory(Folder);
        var duration = SourceDurationSeconds(clip).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string Video(string size, int rate = 25) => $"testsrc2=size={size}:rate={rate}:duration={duration}";
        var sine = $"sine=frequency=440:sample_rate=44100:duration={duration}";

        var (file, args) = clip switch
        {
            Clip.WithAudio => ("with-audio.avi", new[] { "-f", "lavfi", "-i", Video("320x240"), "-f", "lavfi", "-i", sine, "-c:v", "mpeg4", "-q:v", "5", "-c:a", "libmp3lame", "-shortest" }),
            Clip.Silent => ("silent.avi", new[] { "-f", "lavfi", "-i", Video("320x240"), "-c:v", "mpeg4", "-q:v", "5" }),
            Clip.OddSize => ("odd-size.mkv", new[] { "-f", "lavfi", "-i", Video("321x241"), "-c:v", "ffv1" }),
            Clip.Portrait => ("portrait.mp4", new[] { "-f", "lavfi", "-i", Video("240x428"), "-f", "lavfi", "-i", sine, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest" }),
            Clip.Rotated => ("rotated.mp4", new[] { "-i", await PathOf(Clip.HighFrameRate), "-c", "copy", "-metadata:s:v:0", "rotate=90" }),
            // 60 fps, and (remuxed with rotation metadata, which ffmpeg 5 writes only when copying) the Rotated clip.
            Clip.HighFrameRate => ("60fps.mp4", new[] { "-f", "lavfi", "-i", Video("320x240", 60), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p" }),
            Clip.Large => ("large.avi", new[] { "-f", "lavfi", "-i", Video("2560x1440"), "-c:v", "mpeg4", "-q:v", "8" }),
            Clip.Long => ("long.avi", new[] { "-f", "lavfi", "-i", Video("1280x720", 30), "-f", "lavfi", "-i", sine, "-c:v", "mpeg4", "-q:v", "5", "-c:a", "libmp3lame", "-shortest" }),
            _ => throw new ArgumentOutOfRangeException(nameof(clip)),
        };

        var path = Path.Combine(Folder, file);
        await Ffmpeg.RunAsync("ffmpeg", ["-v", "error", "-y", .. args, path]);
        return path;
    }
}
