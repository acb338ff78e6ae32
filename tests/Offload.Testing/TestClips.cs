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
    /// <summary>
    /// The encode bomb of the security issue: three hours of black 1080p60 in 14 MB of MP4. 20 s are encoded once
    /// (one keyframe) and copied 540 times: a shorter piece repeats its 6.7 kB keyframe too often to stay small.
    /// </summary>
    ThreeHoursOfBlack,
    /// <summary>Matroska written as a live stream: no length anywhere in the file.</summary>
    NoStatedLength,
    /// <summary>20 s of video in a Matroska file whose header says it lasts 2 s.</summary>
    UnderstatedLength,
    /// <summary>10 s of 320x240 whose first 4 s are black: past the third of the way in where the poster is looked for.</summary>
    DarkStart,
    /// <summary>40 s of 320x240 at 25 fps, MPEG-4 Part 2 + MP3, a keyframe a second: a source to split.</summary>
    Splittable,
    /// <summary>40 s of H.264 at 29.97 fps (30000/1001) with B-frames and open GOPs, + AAC: the pitfalls of cutting.</summary>
    SplittableNtscOpenGop,
    /// <summary>40 s of 320x240 at 25 fps without audio, a keyframe a second.</summary>
    SplittableSilent,
    /// <summary>The 29.97 fps H.264 + AAC clip stored sideways (rotation metadata of 90°): displays as 240x320.</summary>
    SplittableRotated,
    /// <summary>1000 frames of 320x240 in Matroska, the first 500 at 25 fps and the rest at 12.5: a variable frame rate, 60 s.</summary>
    VariableFrameRate,
    /// <summary>1 s of 320x240 video and 12 s of audio: the file states 12 s, and the video ends at 1.</summary>
    ShortVideoTrack,
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
        Clip.ThreeHoursOfBlack => 3 * 3600,
        Clip.UnderstatedLength => 20,
        Clip.DarkStart => 10,
        Clip.Splittable or Clip.SplittableNtscOpenGop or Clip.SplittableSilent or Clip.SplittableRotated => 40,
        Clip.VariableFrameRate => 60,
        Clip.ShortVideoTrack => 12,
        _ => 3,
    };

    /// <summary>How long <see cref="Clip.DarkStart"/> is black.</summary>
    public const int DarkSeconds = 4;

    /// <summary>The length <see cref="Clip.UnderstatedLength"/>'s header states.</summary>
    public const double UnderstatedSeconds = 2;

    private static async Task<string> MakeAsync(Clip clip)
    {
        Directory.CreateDirectory(Folder);
        switch (clip)
        {
            case Clip.ThreeHoursOfBlack:
                return await MakeThreeHoursOfBlackAsync();
            case Clip.UnderstatedLength:
                return await MakeUnderstatedAsync();
        }

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
            Clip.DarkStart => ("dark-start.avi", new[] { "-f", "lavfi", "-i", Video("320x240") + $",drawbox=enable='lt(t,{DarkSeconds})':color=black:t=fill", "-c:v", "mpeg4", "-q:v", "5" }),
            Clip.Splittable => ("splittable.avi", new[] { "-f", "lavfi", "-i", Video("320x240"), "-f", "lavfi", "-i", sine, "-c:v", "mpeg4", "-q:v", "5", "-g", "25", "-c:a", "libmp3lame", "-shortest" }),
            Clip.SplittableNtscOpenGop => ("splittable-ntsc-open-gop.mp4", new[] { "-f", "lavfi", "-i", $"testsrc2=size=320x240:rate=30000/1001:duration={duration}", "-f", "lavfi", "-i", sine,
                "-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-x264-params", "open-gop=1:keyint=60:min-keyint=60:scenecut=0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest" }),
            Clip.SplittableRotated => ("splittable-rotated.mp4", new[] { "-i", await PathOf(Clip.SplittableNtscOpenGop), "-c", "copy", "-metadata:s:v:0", "rotate=90" }),
            Clip.VariableFrameRate => ("variable-frame-rate.mkv", new[] { "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=40",
                "-vf", "settb=1/1000,setpts='if(lt(N,500),N/25,20+(N-500)*2/25)/TB'", "-fps_mode", "passthrough", "-c:v", "mpeg4", "-q:v", "5", "-g", "25" }),
            Clip.SplittableSilent => ("splittable-silent.avi", new[] { "-f", "lavfi", "-i", Video("320x240"), "-c:v", "mpeg4", "-q:v", "5", "-g", "25" }),
            Clip.ShortVideoTrack => ("short-video-track.mkv", new[] { "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1", "-f", "lavfi", "-i", sine,
                "-c:v", "mpeg4", "-q:v", "5", "-c:a", "libmp3lame" }),
            Clip.NoStatedLength => ("no-length.mkv", new[] { "-f", "lavfi", "-i", Video("320x240"), "-c:v", "mpeg4", "-q:v", "5", "-live", "1" }),
            _ => throw new ArgumentOutOfRangeException(nameof(clip)),
        };

        var path = Path.Combine(Folder, file);
        await Ffmpeg.RunAsync("ffmpeg", ["-v", "error", "-y", .. args, path]);
        return path;
    }

    private static async Task<string> MakeThreeHoursOfBlackAsync()
    {
        const int PieceSeconds = 20;
        var piece = Path.Combine(Folder, "black-1080p60-20s.mp4");
        await Ffmpeg.RunAsync("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", $"color=c=black:size=1920x1080:rate=60:duration={PieceSeconds},format=yuv420p",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", $"{PieceSeconds * 60}", piece);
        var path = Path.Combine(Folder, "three-hours-of-black.mp4");
        var repeats = (int)SourceDurationSeconds(Clip.ThreeHoursOfBlack) / PieceSeconds;
        await Ffmpeg.RunAsync("ffmpeg", "-v", "error", "-y", "-stream_loop", $"{repeats - 1}", "-i", piece, "-c", "copy", path);
        File.Delete(piece);
        return path;
    }

    /// <summary>
    /// Writes 20 s of Matroska, then overwrites the Duration element (ID 0x4489, an 8-byte float in ms) and the
    /// stream's DURATION tag to say 2 s: what a hand-made file can claim, for ffprobe does not read to the end.
    /// </summary>
    private static async Task<string> MakeUnderstatedAsync()
    {
        var path = Path.Combine(Folder, "understated-length.mkv");
        var seconds = SourceDurationSeconds(Clip.UnderstatedLength).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Ffmpeg.RunAsync("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size=320x240:rate=25:duration={seconds}", "-c:v", "mpeg4", "-q:v", "5", path);
        var bytes = await File.ReadAllBytesAsync(path);
        var at = bytes.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x44, 0x89, 0x88]);
        if (at < 0)
            throw new InvalidOperationException("ffmpeg wrote no 8-byte Matroska Duration element");
        System.Buffers.Binary.BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(at + 3, 8), UnderstatedSeconds * 1000);
        // ffmpeg also writes the length as a DURATION tag of the stream, which FFMpegCore reads too: it lies as well.
        var tag = System.Text.Encoding.ASCII.GetBytes("00:00:20.000000000");
        var tagAt = bytes.AsSpan().IndexOf(tag);
        if (tagAt < 0)
            throw new InvalidOperationException("ffmpeg wrote no DURATION tag");
        System.Text.Encoding.ASCII.GetBytes("00:00:02.000000000").CopyTo(bytes, tagAt);
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }
}
