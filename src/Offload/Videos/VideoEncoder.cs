using System.Globalization;
using System.Text.RegularExpressions;
using FFMpegCore;
using Offload.Jobs;
using FFMpegCore.Exceptions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Offload.Telemetry;
using Offload.Videos.Pictures;

namespace Offload.Videos;

/// <summary>What ffprobe found in a media file.</summary>
public sealed record MediaInfo(
    TimeSpan Duration, int Width, int Height, string VideoCodec, string? PixelFormat, string? AudioCodec, double FrameRate)
{
    public bool HasAudio => AudioCodec is not null;

    /// <summary>The container, as ffprobe names its demuxer (<c>avi</c>, <c>mov,mp4,m4a,3gp,3g2,mj2</c>).</summary>
    public string? Format { get; init; }

    /// <summary>The file's start time: where ffmpeg's <c>-ss</c> counts from (an MPEG-TS often starts past 1 s).</summary>
    public TimeSpan StartTime { get; init; }
}

/// <summary>
/// What ffmpeg reads an encode from: a local file, or a blob by a short-lived read link (a part of a split encode reads
/// only its range of the source). A link is read with <see cref="Format"/>'s demuxer, and over HTTP(S) alone
/// (<see cref="VideoEncoder.LinkProtocols"/>): no playlist demuxer can send ffmpeg to other addresses.
/// </summary>
public sealed record EncodeInput(string Location, string? Format = null)
{
    public bool IsLink => Location.StartsWith("http://", StringComparison.Ordinal) || Location.StartsWith("https://", StringComparison.Ordinal);

    public static EncodeInput File(string path) => new(path);

    public static EncodeInput Link(Uri url, string format) => new(url.AbsoluteUri, format);
}

/// <summary>
/// ffmpeg ran and failed on a file ffprobe accepted: worth another try. <see cref="Exception.Message"/> is for the
/// job's reason; <see cref="Detail"/> (ffmpeg's own words, which name the worker's files) is for the log only.
/// </summary>
public sealed partial class EncodeFailedException(string message, string? detail = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>ffmpeg's words, with the query of any link cut off: a part's read link (its SAS) never reaches a log.</summary>
    public string? Detail { get; } = detail is null ? null : LinkQuery().Replace(detail, "$1?…");

    [GeneratedRegex(@"(https?://[^\s?""']+)\?[^\s""']*")]
    private static partial Regex LinkQuery();
}

/// <summary>
/// The FFmpeg side of the work, through FFMpegCore: probe a file, and encode it to a web-playable MP4
/// (H.264 High/yuv420p, at most <see cref="EncodingOptions.MaxHeight"/> lines with even dimensions,
/// rotation applied, AAC when there is audio, moov atom first). ffmpeg dies with the worker (<see cref="FfmpegLifetime"/>).
/// </summary>
public sealed partial class VideoEncoder
{
    private readonly EncodingOptions _options;
    private readonly ILogger _logger;
    private string? _encodeFolder;

    public VideoEncoder(IOptions<EncodingOptions> options, ILogger<VideoEncoder>? logger = null)
    {
        _options = options.Value;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    private FFOptions FfOptions => Options(_options.FfmpegFolder ?? "");

    private FFOptions Options(string binaryFolder) => new()
    {
        BinaryFolder = binaryFolder,
        TemporaryFilesFolder = _options.ResolveWorkingDirectory(),
    };

    /// <summary>
    /// Where the encode's ffmpeg is started from: the <see cref="FfmpegLifetime"/> wrapper, or ffmpeg's own folder
    /// without setpriv. Made at the first encode and again should a temp cleaner have taken the wrapper since.
    /// </summary>
    private string EncodeFolder()
    {
        var folder = _encodeFolder;
        if (folder is null || (folder != (_options.FfmpegFolder ?? "") && !File.Exists(Path.Combine(folder, "ffmpeg"))))
            _encodeFolder = folder = PrepareEncodeFolder();
        return folder;
    }

    private string PrepareEncodeFolder()
    {
        var ffmpegFolder = _options.FfmpegFolder ?? "";
        if (OperatingSystem.IsWindows() || FfmpegLifetime.FindSetpriv() is not { } setpriv)
        {
            LogNoParentDeathSignal(_logger);
            return ffmpegFolder;
        }

        try
        {
            if (FfmpegLifetime.Prepare(ffmpegFolder, setpriv, Path.GetTempPath(), _options.Niceness, _options.IdleScheduling) is { } wrapped)
            {
                LogParentDeathSignal(_logger, setpriv, wrapped.Priority);
                return wrapped.Folder;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogWrapperFailed(_logger, ex);
            return ffmpegFolder;
        }

        return ffmpegFolder; // no ffmpeg to wrap: FFMpegCore says so when it tries to start it
    }

    /// <summary>
    /// ffmpeg and ffprobe open local files and nothing else. An upload can be a playlist (HLS, concat, SDP) that names
    /// other inputs; without this, those could be web addresses, and the worker would fetch them from inside the network.
    /// (ffmpeg 5 already limits what a local file may open to file, crypto and data; this makes it file alone, whatever
    /// the ffmpeg build.)
    /// </summary>
    public const string LocalFilesOnly = "-protocol_whitelist file";

    /// <summary>What ffmpeg may open to read a blob by its link: HTTP(S) and what it runs over, nothing else.</summary>
    public const string LinkProtocols = "-protocol_whitelist https,http,tls,tcp";

    /// <summary>
    /// ffmpeg's input from <paramref name="input"/>: a local file, read as a file alone; or a link, read over HTTP(S)
    /// alone with the demuxer its probe found, given first (ffmpeg's own seeking reads only the ranges it needs).
    /// </summary>
    public static FFMpegArguments From(EncodeInput input, Action<FFMpegInputOptions>? options = null)
    {
        if (!input.IsLink)
            return FFMpegArguments.FromFileInput(input.Location, verifyExists: true, i => { i.WithCustomArgument(LocalFilesOnly); options?.Invoke(i); });
        if (input.Format is not { } format || !LinkFormats.Contains(format))
            throw new ArgumentException($"A link is read only with a container demuxer of {nameof(LinkFormats)}, not '{input.Format}'.", nameof(input));
        return FFMpegArguments.FromUrlInput(new Uri(input.Location), i =>
        {
            i.WithCustomArgument(LinkProtocols).WithCustomArgument($"-f {format.Split(',')[0]}");
            options?.Invoke(i);
        });
    }

    /// <summary>
    /// The containers (as ffprobe names them) ffmpeg reads by link, for a split encode: self-contained files, never a
    /// playlist or a concat list, which name other addresses.
    /// </summary>
    public static IReadOnlySet<string> LinkFormats { get; } =
        new HashSet<string>(StringComparer.Ordinal) { "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi", "mpegts", "flv" };

    /// <summary>Probes a file; <c>null</c> when it is not a media file with a video stream.</summary>
    /// <exception cref="PermanentJobException">The file names inputs that are not local files.</exception>
    public async Task<MediaInfo?> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(path, FfOptions, cancellationToken: cancellationToken, customArguments: LocalFilesOnly);
        }
        catch (Exception ex) when (ex is FFMpegException or FormatException or System.Text.Json.JsonException)
        {
            // A probe stopped by cancellation says nothing about the file.
            cancellationToken.ThrowIfCancellationRequested();
            if (RefusedProtocol().Match(ex.Message) is { Success: true } refused)
            {
                throw new PermanentJobException(
                    $"The upload is a playlist that refers to a {refused.Groups[1].Value} address, which is not read; only a self-contained video file can be encoded.");
            }

            return null;
        }

        var video = analysis.PrimaryVideoStream;
        if (video is not { Width: > 0, Height: > 0 } || IsImage(analysis.Format.FormatName))
            return null;

        return new MediaInfo(
            analysis.Duration, video.Width.Value, video.Height.Value, video.CodecName ?? "unknown", video.PixelFormat,
            analysis.PrimaryAudioStream?.CodecName, video.AverageFrameRate)
        {
            Format = analysis.Format.FormatName,
            StartTime = analysis.Format.StartTime,
        };
    }

    /// <summary>
    /// Encodes <paramref name="source"/> to <paramref name="output"/>, reporting 0-100 as it goes, with a keyframe at
    /// the start of every storyboard slot (<see cref="PicturePlan.KeyframeExpression"/>) for <see cref="MakePicturesAsync"/>.
    /// </summary>
    /// <exception cref="EncodeFailedException">ffmpeg exited with an error.</exception>
    public Task EncodeAsync(
        string source, MediaInfo info, string output, Action<double> onProgress, CancellationToken cancellationToken) =>
        RunEncodeAsync(BuildArguments(source, info, output), info, info.Duration, onProgress, cancellationToken);

    /// <summary>
    /// Encodes one part of a split encode (<see cref="BuildPartArguments"/>), reporting 0-100 of its
    /// <paramref name="length"/> as it goes.
    /// </summary>
    /// <exception cref="EncodeFailedException">ffmpeg exited with an error.</exception>
    public Task EncodePartAsync(
        EncodeInput source, MediaInfo info, Splitting.VideoPart part, TimeSpan length, string output, Action<double> onProgress, CancellationToken cancellationToken) =>
        RunEncodeAsync(BuildPartArguments(source, info, part, output), info, length, onProgress, cancellationToken);

    /// <summary>Runs an encode's ffmpeg on a thread of its own until it exits, reporting progress over <paramref name="length"/>.</summary>
    private async Task RunEncodeAsync(
        FFMpegArgumentProcessor arguments, MediaInfo info, TimeSpan length, Action<double> onProgress, CancellationToken cancellationToken)
    {
        // No grace period: FFMpegCore's default lets ffmpeg finish on 'q' for up to 5 s (libx264 flushes its lookahead),
        // and every cancellation here (a person's cancel, a take-over, the time limit, the host stopping) throws the
        // output away. Killed at once, ffmpeg stops within a heartbeat of the cancel.
        using var activity = Instrumentation.Source.StartActivity("ffmpeg encode");
        activity?.SetTag("offload.video.source_codec", info.VideoCodec);
        activity?.SetTag("offload.video.source_height", info.Height);
        activity?.SetTag("offload.video.duration_s", info.Duration.TotalSeconds);
        var processor = arguments
            .NotifyOnPercentageProgress(onProgress, length)
            .CancellableThrough(cancellationToken, gracePeriod: TimeSpan.Zero);

        // A thread of its own, blocked until ffmpeg exits: the kernel's parent-death signal follows the thread that
        // forked ffmpeg (FFMpegCore forks on the calling thread, checked with strace), and a thread-pool thread may retire
        // mid-encode. Cancellation is unchanged: FFMpegCore's token callback kills ffmpeg, and this thread returns.
        var options = Options(EncodeFolder());
        FFMpegResult result;
        try
        {
            result = await Task.Factory.StartNew(
                () => processor.ProcessAsynchronously(throwOnError: false, options, cancellationToken).GetAwaiter().GetResult(),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        catch (FFMpegException ex)
        {
            activity.Failed(ex);
            throw new EncodeFailedException("ffmpeg could not be run.", ex.Message, ex);
        }

        cancellationToken.ThrowIfCancellationRequested();
        activity?.SetTag("process.exit.code", result.ExitCode);
        if (!result.Success)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, $"ffmpeg exited with code {result.ExitCode}");
            var tail = string.Join(" | ", result.StandardError.TakeLast(3));
            throw new EncodeFailedException($"ffmpeg exited with code {result.ExitCode}; its own words are in the worker's log.", tail);
        }
    }

    /// <summary>The exact ffmpeg command line, so the benchmark can run the same command without the pipeline.</summary>
    public FFMpegArgumentProcessor BuildArguments(string source, MediaInfo info, string output) =>
        FFMpegArguments
            .FromFileInput(source, verifyExists: true, i => i.WithCustomArgument(LocalFilesOnly))
            .OutputToFile(output, overwrite: true, o =>
            {
                // -t: no further than the length the source states; -fs: no larger than the output limit.
                // EncodeLimits.CheckOutput tells from the result whether either one cut the encode short. (-fs holds
                // only while this is ffmpeg's one output: with more, it stops when every output is done.)
                o.WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-t {EncodeLimits.EncodeUntil(info).TotalSeconds:0.###}"))
                    .WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-fs {_options.MaxOutputBytes}"));
                VideoOptions(o, new PicturePlan(info.Duration).KeyframeExpression);
                o.WithCustomArgument("-movflags +faststart");
                if (info.HasAudio)
                {
                    o.WithCustomArgument("-map 0:a:0")
                        .WithAudioCodec("aac")
                        .WithAudioBitrate(_options.AudioBitrateKbps);
                }
                else
                {
                    o.WithCustomArgument("-an");
                }
            });

    /// <summary>
    /// One part of a split encode (<see cref="Splitting.SplitEncoder"/>): the part's frames of the source's video, from
    /// its keyframe, with the same video settings as a single pass and keyframes at the same storyboard slots of the
    /// whole video's timeline; no audio (encoded once, for the whole source).
    /// </summary>
    public FFMpegArgumentProcessor BuildPartArguments(EncodeInput source, MediaInfo info, Splitting.VideoPart part, string output) =>
        From(source, i => i.WithCustomArgument($"-ss {part.SeekArgument(info.StartTime)}"))
            .OutputToFile(output, overwrite: true, o =>
            {
                o.WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-frames:v {part.Frames}"))
                    .WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-fs {_options.MaxOutputBytes}"));
                VideoOptions(o, new PicturePlan(info.Duration).KeyframeExpressionFrom(part.Start));
                o.WithCustomArgument("-an");
            });

    /// <summary>The video settings every encode shares: one stream, libx264 at the preset and CRF, scaled, yuv420p.</summary>
    private void VideoOptions(FFMpegOutputOptions o, string keyframes) =>
        o.WithCustomArgument("-map 0:v:0")
            .WithVideoCodec("libx264")
            .WithCustomArgument($"-preset {_options.Preset}")
            .WithConstantRateFactor(_options.Crf)
            .WithCustomArgument($"-vf \"{ScaleFilter(_options.MaxHeight)}\"")
            .WithCustomArgument($"-force_key_frames \"{keyframes}\"")
            .WithCustomArgument("-pix_fmt yuv420p");

    private const string ThumbnailFiles = "thumbnail-%d.jpg";
    private const string TileFiles = "tile-%03d.jpg";

    /// <summary>
    /// Makes the pictures of an <paramref name="output"/> this encoder made from <paramref name="source"/>, in
    /// <paramref name="folder"/>: one ffmpeg that decodes the output's keyframes alone and keeps those its filters choose
    /// (<see cref="PicturePlan"/>) as JPEGs, the tiles one file each; then the tiles laid out on the storyboard's sprite.
    /// Should no keyframe from a third of the way in be brighter than black, the poster is the frame there (a dark
    /// video has a dark poster). Returns the files with what the job records; their sizes follow from the output's
    /// (<paramref name="outputInfo"/>) as ffmpeg scales, with no probe of each.
    /// </summary>
    /// <exception cref="EncodeFailedException">A picture is missing or ffmpeg could not make it.</exception>
    public async Task<MadePictures> MakePicturesAsync(
        string output, MediaInfo source, MediaInfo outputInfo, string folder, CancellationToken cancellationToken)
    {
        using var activity = Instrumentation.Source.StartActivity("ffmpeg pictures");
        var plan = new PicturePlan(source.Duration);
        await RunPictureAsync(FFMpegArguments
            .FromFileInput(output, verifyExists: true, i => i.WithCustomArgument("-skip_frame nokey").WithCustomArgument(LocalFilesOnly))
            .OutputToMany(outputs =>
            {
                void Frames(string file, string filter, int frames, int quality) => outputs.OutputToFile(Path.Combine(folder, file), overwrite: true, o => o
                    .WithCustomArgument($"-map 0:v:0 -vf \"{filter}\" -fps_mode passthrough")
                    .WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-frames:v {frames} -q:v {quality}")));
                Frames(VideoPictures.PosterName, plan.PosterFilter, 1, 2);
                Frames(ThumbnailFiles, plan.ThumbnailFilter, plan.ThumbnailTimes.Count, 3);
                Frames(TileFiles, plan.TileFilter, plan.TileSlots, 5);
            }), cancellationToken);

        var poster = Path.Combine(folder, VideoPictures.PosterName);
        if (!File.Exists(poster))
        {
            LogDarkPoster(_logger);
            await FrameAsync(output, plan.PosterFrom, null, poster, cancellationToken);
        }

        // A video track shorter than the length the file states (its audio runs on) has no frame at those times:
        // its first frame is its poster, and its first thumbnail.
        if (!File.Exists(poster))
            await FrameAsync(output, null, null, poster, cancellationToken);
        var firstThumbnail = Path.Combine(folder, VideoPictures.ThumbnailName(1));
        var thumbnailsFromTheStart = !File.Exists(firstThumbnail);
        if (thumbnailsFromTheStart)
            await FrameAsync(output, null, $"scale=w='min({PicturePlan.ThumbnailWidth}\\,iw)':h=-2", firstThumbnail, cancellationToken);
        if (!File.Exists(poster) || !File.Exists(firstThumbnail))
            throw new EncodeFailedException("ffmpeg made no picture of the video: its output has no frame to show.");

        var tiles = Directory.GetFiles(folder, "tile-*.jpg").Length;
        if (tiles == 0)
            throw new EncodeFailedException("ffmpeg made no frame of the storyboard.");
        var (columns, rows) = PicturePlan.Grid(tiles);
        var sprite = Path.Combine(folder, VideoPictures.StoryboardImageName);
        await RunPictureAsync(FFMpegArguments
            .FromFileInput(Path.Combine(folder, TileFiles), verifyExists: false, i => i.WithCustomArgument(LocalFilesOnly))
            .OutputToFile(sprite, overwrite: true, o => o
                .WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-vf tile={columns}x{rows} -frames:v 1 -q:v 5"))), cancellationToken);

        var (width, height) = (outputInfo.Width, outputInfo.Height);
        var (thumbnailWidth, thumbnailHeight) = PicturePlan.ThumbnailSize(width, height);
        IReadOnlyList<TimeSpan> times = thumbnailsFromTheStart ? [TimeSpan.Zero] : plan.ThumbnailTimes;
        // Numbered from 1 in the order taken: a video shorter than its stated length has its last ones missing.
        List<LocalPicture> thumbnails =
        [
            .. Enumerable.Range(1, times.Count)
                .Select(number => (Path: Path.Combine(folder, VideoPictures.ThumbnailName(number)), At: times[number - 1]))
                .TakeWhile(t => File.Exists(t.Path))
                .Select(t => new LocalPicture(t.Path, thumbnailWidth, thumbnailHeight, t.At.TotalSeconds)),
        ];
        var (tileWidth, tileHeight) = PicturePlan.TileSize(width, height);
        return new MadePictures(new LocalPicture(poster, width, height, null), thumbnails,
            new LocalPicture(sprite, columns * tileWidth, rows * tileHeight, null), tiles, columns, tileWidth, tileHeight, plan.TileInterval.TotalSeconds);
    }

    /// <summary>One frame of <paramref name="output"/> as a JPEG: at <paramref name="at"/>, or its first.</summary>
    private Task FrameAsync(string output, TimeSpan? at, string? filter, string picture, CancellationToken cancellationToken) =>
        RunPictureAsync(FFMpegArguments
            .FromFileInput(output, verifyExists: true, i =>
            {
                i.WithCustomArgument(LocalFilesOnly);
                if (at is { } time)
                    i.WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-ss {time.TotalSeconds:0.###}"));
            })
            .OutputToFile(picture, overwrite: true, o => o
                .WithCustomArgument(filter is null ? "-frames:v 1 -q:v 2" : $"-vf \"{filter}\" -frames:v 1 -q:v 3")), cancellationToken);

    private Task RunPictureAsync(FFMpegArgumentProcessor processor, CancellationToken cancellationToken) =>
        RunAsync(processor, "ffmpeg could not make a picture of the video", cancellationToken);

    /// <summary>Runs a short ffmpeg (at the encoder's priority, stopped by the token); <paramref name="failure"/> is the reason when it fails.</summary>
    /// <exception cref="EncodeFailedException">ffmpeg exited with an error.</exception>
    public async Task RunAsync(FFMpegArgumentProcessor processor, string failure, CancellationToken cancellationToken)
    {
        var result = await processor.CancellableThrough(cancellationToken, gracePeriod: TimeSpan.Zero)
            .ProcessAsynchronously(throwOnError: false, Options(EncodeFolder()), cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        if (!result.Success)
            throw new EncodeFailedException($"{failure} (exit code {result.ExitCode}).", string.Join(" | ", result.StandardError.TakeLast(3)));
    }

    /// <summary>One packet of a stream as ffprobe lists it: its time, how long it lasts, and whether it is a keyframe.</summary>
    public sealed record Packet(double Time, double Duration, bool Key);

    /// <summary>
    /// The packets of a file's first stream of <paramref name="kind"/> (<c>v</c> or <c>a</c>), by ffprobe without
    /// decoding, in the order of the file (decode order). Listed as CSV lines read as they come: a long source has
    /// hundreds of thousands.
    /// </summary>
    public async Task<IReadOnlyList<Packet>> ProbePacketsAsync(string path, string kind, CancellationToken cancellationToken)
    {
        var start = new System.Diagnostics.ProcessStartInfo(GlobalFFOptions.GetFFProbeBinaryPath(FfOptions))
        {
            ArgumentList =
            {
                "-v", "error", "-protocol_whitelist", "file", "-select_streams", $"{kind}:0",
                "-show_entries", "packet=pts_time,duration_time,flags", "-of", "csv=p=0", path,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = System.Diagnostics.Process.Start(start) ?? throw new EncodeFailedException("ffprobe could not be run.");
        using var stop = cancellationToken.Register(() => process.Kill());
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var packets = new List<Packet>();
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            var fields = line.Split(',');
            if (fields.Length >= 3 && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var time))
            {
                packets.Add(new Packet(time, double.TryParse(fields[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var duration) ? duration : 0,
                    fields[2].StartsWith('K')));
            }
        }

        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new EncodeFailedException("ffprobe could not list the packets of a file of the encode.", await errors);
        return packets;
    }

    /// <summary>
    /// Scales down to at most <paramref name="maxHeight"/> lines, never up, keeping the aspect ratio with even
    /// dimensions (yuv420p needs them). ffmpeg applies rotation metadata before the filter, so iw/ih are upright.
    /// </summary>
    public static string ScaleFilter(int maxHeight) =>
        string.Create(CultureInfo.InvariantCulture, $"scale=w=-2:h=trunc(min(ih\\,{maxHeight})/2)*2");

    [LoggerMessage(EventId = 2125, Level = LogLevel.Information,
        Message = "No frame from a third of the way in is brighter than black: the poster is the frame there")]
    private static partial void LogDarkPoster(ILogger logger);

    [LoggerMessage(EventId = 2120, Level = LogLevel.Information, Message = "ffmpeg runs under {Setpriv} --pdeathsig KILL, {Priority}: it dies with this worker")]
    private static partial void LogParentDeathSignal(ILogger logger, string setpriv, string priority);

    [LoggerMessage(EventId = 2121, Level = LogLevel.Warning,
        Message = "setpriv (util-linux) was not found: should this worker be killed, its ffmpeg runs on until the encode ends")]
    private static partial void LogNoParentDeathSignal(ILogger logger);

    [LoggerMessage(EventId = 2122, Level = LogLevel.Warning,
        Message = "Could not write the ffmpeg wrapper; ffmpeg runs without the parent-death signal")]
    private static partial void LogWrapperFailed(ILogger logger, Exception exception);

    // ffprobe's words when an input names a protocol other than file: "Protocol 'http' not on whitelist 'file'!"
    [GeneratedRegex("Protocol '([A-Za-z0-9+.-]+)' not on whitelist")]
    private static partial Regex RefusedProtocol();

    // ffprobe reads a still picture as a one-frame "video" through its image demuxers.
    private static bool IsImage(string? formatName) =>
        formatName is not null && (formatName.StartsWith("image2", StringComparison.Ordinal) || formatName.EndsWith("_pipe", StringComparison.Ordinal));
}
