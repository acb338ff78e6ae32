using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Offload.Testing;

/// <summary>Runs the real ffmpeg/ffprobe, independently of the code under test.</summary>
public static partial class Ffmpeg
{
    /// <summary>
    /// ffmpeg's ssim filter over two videos of the same size, frames paired by time: the whole ("All:0.99…") and each
    /// frame's, in order (its stats file, written in <paramref name="folder"/>: "n:1 Y:… All:…").
    /// </summary>
    public static async Task<(double All, IReadOnlyList<double> PerFrame)> SsimAsync(string a, string b, string folder)
    {
        var stats = Path.Combine(folder, $"ssim-{Guid.NewGuid():N}.log");
        var result = await Command.ExecAsync("ffmpeg", ["-hide_banner", "-i", a, "-i", b, "-lavfi", $"ssim=stats_file={stats}", "-f", "null", "-"]);
        var perFrame = (await File.ReadAllLinesAsync(stats)).Select(l => double.Parse(SsimAll().Match(l).Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        File.Delete(stats);
        return (double.Parse(SsimAll().Match(result.Error).Groups[1].Value, CultureInfo.InvariantCulture), perFrame);
    }

    [GeneratedRegex(@"All:([0-9.]+)")]
    private static partial Regex SsimAll();

    public static Task<string> RunAsync(string tool, params string[] args) => Command.RunAsync(tool, args);

    public static async Task<MediaFacts> ProbeAsync(string path)
    {
        using var json = JsonDocument.Parse(await RunAsync("ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", path));
        var streams = json.RootElement.GetProperty("streams").EnumerateArray().ToList();
        var video = streams.First(s => s.GetProperty("codec_type").GetString() == "video");
        var audio = streams.FirstOrDefault(s => s.GetProperty("codec_type").GetString() == "audio");
        var rotation = 0;
        if (video.TryGetProperty("side_data_list", out var sideData))
        {
            foreach (var item in sideData.EnumerateArray())
            {
                if (item.TryGetProperty("rotation", out var r))
                    rotation = r.GetInt32();
            }
        }

        return new MediaFacts(
            VideoCodec: video.GetProperty("codec_name").GetString()!,
            PixelFormat: video.GetProperty("pix_fmt").GetString()!,
            Width: video.GetProperty("width").GetInt32(),
            Height: video.GetProperty("height").GetInt32(),
            FrameRate: ParseRate(video.GetProperty("avg_frame_rate").GetString()!),
            Rotation: rotation,
            AudioCodec: audio.ValueKind == JsonValueKind.Undefined ? null : audio.GetProperty("codec_name").GetString(),
            DurationSeconds: double.Parse(json.RootElement.GetProperty("format").GetProperty("duration").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            MoovBeforeMdat: MoovBeforeMdat(path));
    }

    /// <summary>A picture's codec and size (an image has no duration to probe).</summary>
    public static async Task<(string Codec, int Width, int Height)> ProbeImageAsync(string path)
    {
        using var json = JsonDocument.Parse(await RunAsync("ffprobe", "-v", "error", "-print_format", "json", "-show_streams", path));
        var image = json.RootElement.GetProperty("streams")[0];
        return (image.GetProperty("codec_name").GetString()!, image.GetProperty("width").GetInt32(), image.GetProperty("height").GetInt32());
    }

    /// <summary>The average luma (0-255) of a picture's frame, by ffmpeg's signalstats: black video is 16.</summary>
    public static async Task<double> MeanLumaAsync(string path)
    {
        var printed = await RunAsync("ffmpeg", "-v", "error", "-i", path, "-vf", "signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG:file=-", "-f", "null", "-");
        var line = printed.Split('\n').First(l => l.StartsWith("lavfi.signalstats.YAVG=", StringComparison.Ordinal));
        return double.Parse(line["lavfi.signalstats.YAVG=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>"+faststart": the index (moov) precedes the media (mdat), so a browser can start playing at once.</summary>
    public static bool MoovBeforeMdat(string path)
    {
        using var file = File.OpenRead(path);
        var header = new byte[16];
        while (file.Position + 8 <= file.Length)
        {
            var start = file.Position;
            file.ReadExactly(header, 0, 8);
            long size = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = System.Text.Encoding.ASCII.GetString(header, 4, 4);
            if (type == "moov")
                return true;
            if (type == "mdat")
                return false;
            if (size == 1)
            {
                file.ReadExactly(header, 8, 8);
                size = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
            }
            else if (size == 0)
            {
                return false;
            }

            file.Position = start + size;
        }

        return false;
    }

    private static double ParseRate(string rate)
    {
        var parts = rate.Split('/');
        var den = double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        return den == 0 ? 0 : double.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) / den;
    }
}

public sealed record MediaFacts(
    string VideoCodec, string PixelFormat, int Width, int Height, double FrameRate, int Rotation,
    string? AudioCodec, double DurationSeconds, bool MoovBeforeMdat);
