using System.Globalization;
using FFMpegCore;

namespace Offload.Videos.Splitting;

/// <summary>
/// The FFmpeg side of a split encode, the fan-out/fan-in of one video: probe the source's frames, encode each part's
/// video alone (<see cref="VideoEncoder.BuildPartArguments"/>), encode the audio once for the whole source (never cut,
/// so no AAC priming at the joins), then join the parts without re-encoding, mux the audio, and check the result
/// against the source before anyone sees it (<see cref="CheckAsync"/>).
/// </summary>
public sealed class SplitEncoder(VideoEncoder encoder)
{
    /// <summary>A file's video frames, in presentation order, and which are keyframes: from its packets.</summary>
    public async Task<SourceFrames> ProbeFramesAsync(string path, CancellationToken cancellationToken)
    {
        var frames = (await encoder.ProbePacketsAsync(path, "v", cancellationToken)).Select(p => (Time: TimeSpan.FromSeconds(p.Time), p.Key)).OrderBy(f => f.Time).ToList();
        return new SourceFrames([.. frames.Select(f => f.Time)], frames.Select((f, i) => (f.Key, i)).Where(f => f.Key).Select(f => f.i).ToHashSet());
    }

    /// <summary>Where an audio stream is copied to: its muxer (as <c>-f</c> and as ffprobe names the demuxer), file extension, media type.</summary>
    public sealed record AudioCopy(string Muxer, string Format, string Extension, string ContentType);

    /// <summary>
    /// AAC in an M4A, whose edit list keeps the encoder's priming trimmed (in Matroska the decoded audio would gain it,
    /// about 21 ms at the start); any other codec in Matroska, which holds them all.
    /// </summary>
    public static AudioCopy AudioCopyOf(string codec) => codec == "aac"
        ? new("ipod", "mov,mp4,m4a,3gp,3g2,mj2", "m4a", "audio/mp4")
        : new("matroska", "matroska,webm", "mka", "audio/x-matroska");

    /// <summary>The source's first audio stream as it is (no re-encoding), for the audio part to read alone.</summary>
    public Task CopyAudioAsync(string source, AudioCopy copy, string output, CancellationToken cancellationToken) =>
        encoder.RunAsync(VideoEncoder.From(EncodeInput.File(source))
            .OutputToFile(output, overwrite: true, o => o
                .WithCustomArgument($"-map 0:a:0 -vn -c:a copy -f {copy.Muxer}")), "ffmpeg could not copy the audio out of the source", cancellationToken);

    /// <summary>The source's first audio stream as AAC in an M4A, whole (read by link, or from a file).</summary>
    public Task EncodeAudioAsync(EncodeInput source, int bitrateKbps, string output, CancellationToken cancellationToken) =>
        encoder.RunAsync(VideoEncoder.From(source)
            .OutputToFile(output, overwrite: true, o => o
                .WithCustomArgument("-map 0:a:0 -vn")
                .WithAudioCodec("aac")
                .WithAudioBitrate(bitrateKbps)), "ffmpeg could not encode the audio", cancellationToken);

    /// <summary>
    /// Joins the encoded parts in their order without re-encoding (the concat demuxer, each part placed at its start in
    /// the source: its frames keep the source's times, so the video stays with the audio however the source's frames
    /// were spaced), muxes the audio, and moves the index to the front (+faststart).
    /// </summary>
    public async Task StitchAsync(IReadOnlyList<(VideoPart Part, string Path)> parts, string? audio, string output, CancellationToken cancellationToken)
    {
        var list = Path.Combine(Path.GetDirectoryName(output)!, "parts.txt");
        var ordered = parts.OrderBy(p => p.Part.Index).ToList();
        await File.WriteAllLinesAsync(list, ordered.SelectMany((p, i) => new[]
        {
            $"file '{p.Path.Replace("'", @"'\''", StringComparison.Ordinal)}'",
            i + 1 < ordered.Count
                ? string.Create(CultureInfo.InvariantCulture, $"duration {(ordered[i + 1].Part.Start - p.Part.Start).TotalSeconds:0.000000}")
                : "",
        }), cancellationToken);
        var inputs = FFMpegArguments.FromFileInput(list, verifyExists: true, i => i.WithCustomArgument("-f concat -safe 0 -protocol_whitelist file"));
        if (audio is not null)
            inputs = inputs.AddFileInput(audio, verifyExists: true, i => i.WithCustomArgument(VideoEncoder.LocalFilesOnly));
        await encoder.RunAsync(inputs
            .OutputToFile(output, overwrite: true, o =>
            {
                o.WithCustomArgument("-map 0:v:0");
                if (audio is not null)
                    o.WithCustomArgument("-map 1:a:0");
                o.WithCustomArgument("-c copy -movflags +faststart");
            }), "ffmpeg could not join the parts", cancellationToken);
    }

    /// <summary>
    /// Holds a stitched output to the source: as many frames; the same length within a frame; the audio starting with
    /// the video, lasting as long, without a gap; and a keyframe where each part begins.
    /// </summary>
    /// <exception cref="EncodeFailedException">A check failed: the reason names it, with the figures.</exception>
    public async Task CheckAsync(string output, SourceFigures source, IReadOnlyList<VideoPart> parts, bool hasAudio, CancellationToken cancellationToken)
    {
        var frames = await ProbeFramesAsync(output, cancellationToken);
        var frame = source.Frame;
        if (frames.Count != source.Frames)
            throw new EncodeFailedException($"The joined video has {frames.Count} frames where the source has {source.Frames}.");
        var length = frames.Times[^1] - frames.Times[0];
        var sourceLength = source.Length;
        if ((length - sourceLength).Duration() > frame)
            throw new EncodeFailedException($"The joined video lasts {length.TotalSeconds:0.000} s where the source lasts {sourceLength.TotalSeconds:0.000} s.");
        if (parts.FirstOrDefault(p => !frames.Keyframes.Contains(p.FirstFrame)) is { } soft)
            throw new EncodeFailedException($"Part {soft.Index + 1} of the joined video does not begin with a keyframe.");
        if (!hasAudio)
            return;

        var sound = (await encoder.ProbePacketsAsync(output, "a", cancellationToken)).Select(p => (Start: p.Time, End: p.Time + p.Duration)).OrderBy(p => p.Start).ToList();
        if (sound.Count == 0)
            throw new EncodeFailedException("The joined video has lost its audio.");
        if (Math.Abs(sound[0].Start - frames.Times[0].TotalSeconds) > frame.TotalSeconds)
            throw new EncodeFailedException($"The audio starts {sound[0].Start - frames.Times[0].TotalSeconds:0.000} s from the video.");
        var gap = sound.Zip(sound.Skip(1)).Select(p => p.Second.Start - p.First.End).DefaultIfEmpty(0).Max();
        if (gap > 0.001)
            throw new EncodeFailedException($"The joined video's audio has a gap of {gap * 1000:0} ms.");
        var audioLength = sound[^1].End - sound[0].Start;
        if (Math.Abs(audioLength - (length + frame).TotalSeconds) > 0.1)
            throw new EncodeFailedException($"The audio lasts {audioLength:0.000} s where the video lasts {(length + frame).TotalSeconds:0.000} s.");
    }
}
