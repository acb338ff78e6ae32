using System.Globalization;
using System.Text;

namespace Offload.Videos.Pictures;

/// <summary>
/// Which pictures a video gets and from which of its frames, worked out from its duration alone (pure logic). The
/// encode puts a keyframe at the start of every tile's slot (<see cref="KeyframeExpression"/>), and the pictures are
/// then read from the output's keyframes alone (<c>-skip_frame nokey</c>): one pass that decodes those (at most
/// <see cref="MaxTiles"/>) and x264's own (scene cuts, at least one every 250 frames), beside the thousands the encode made.
/// <list type="bullet">
/// <item>a <b>poster</b> at the output's size: the most representative (ffmpeg's <c>thumbnail</c> filter) of the first
/// <see cref="PosterCandidates"/> keyframes brighter than black from a third of the way in, so never the first frame
/// or a fade;</item>
/// <item>up to <see cref="ThumbnailCount"/> <b>thumbnails</b>, at the keyframes of a quarter, a half and three
/// quarters of the way in (<see cref="ThumbnailTimes"/>: fewer for a video of fewer slots);</item>
/// <item>a <b>storyboard</b>: the keyframe at the start of every <see cref="TileInterval"/> (at most
/// <see cref="MaxTiles"/>), laid out in rows of <see cref="Columns"/> on one sprite, with a WebVTT file that maps each
/// time range to its tile, as players take it for hover previews (<see cref="Storyboard.Vtt"/>).</item>
/// </list>
/// </summary>
public sealed class PicturePlan
{
    public const int ThumbnailCount = 3;
    public const int ThumbnailWidth = 320;
    public const int TileWidth = 160;
    public const int Columns = 10;
    public const int MaxTiles = 100;

    /// <summary>The average luma (0-255) a frame must pass to be a poster: black is 16 in the limited range video uses.</summary>
    public const int PosterMinLuma = 40;

    /// <summary>How many keyframes the poster is chosen from.</summary>
    public const int PosterCandidates = 30;

    /// <summary>
    /// The shortest time between two tiles, and so between two keyframes the encode forces: 2 s, the keyframe interval
    /// streaming services use, which costs a few percent of bitrate (videos over 200 s have a tile every 1/100 of them).
    /// </summary>
    public static readonly TimeSpan MinTileInterval = TimeSpan.FromSeconds(2);

    public PicturePlan(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "A video's pictures need its duration.");
        Duration = duration;
        // In whole milliseconds, as WebVTT writes times: the tiles' slots are exact multiples of it.
        var perTile = Math.Ceiling(duration.TotalMilliseconds / MaxTiles);
        TileInterval = TimeSpan.FromMilliseconds(Math.Max(MinTileInterval.TotalMilliseconds, perTile));
        TileSlots = (int)Math.Ceiling(duration.TotalMilliseconds / TileInterval.TotalMilliseconds);
    }

    public TimeSpan Duration { get; }

    public TimeSpan TileInterval { get; }

    /// <summary>How many tiles the storyboard has at most: one per interval that starts before the end.</summary>
    public int TileSlots { get; }

    /// <summary>The encode's <c>-force_key_frames</c>: a keyframe at the first frame of every tile's slot.</summary>
    public string KeyframeExpression => $"expr:gte(t,n_forced*{Seconds(TileInterval)})";

    /// <summary>
    /// <see cref="KeyframeExpression"/> for a part of the video that starts at <paramref name="start"/>: its own times
    /// start at 0, the slots are the whole video's (the first at or after the start).
    /// </summary>
    public string KeyframeExpressionFrom(TimeSpan start)
    {
        var first = (long)Math.Ceiling(Math.Round(start / TileInterval, 6));
        return $"expr:gte(t+{Seconds(start, "0.000000")},(n_forced+{first})*{Seconds(TileInterval)})";
    }

    public TimeSpan PosterFrom => Duration / 3;

    /// <summary>The start of the slot a quarter, a half and three quarters of the way in, each once.</summary>
    public IReadOnlyList<TimeSpan> ThumbnailTimes =>
    [
        .. Enumerable.Range(1, ThumbnailCount)
            .Select(i => TileInterval * Math.Floor(Duration / (ThumbnailCount + 1) * i / TileInterval))
            .Distinct(),
    ];

    /// <summary>
    /// The poster's filter: keyframes from <see cref="PosterFrom"/> on, those brighter than black, the most
    /// representative of the first <see cref="PosterCandidates"/>.
    /// </summary>
    public string PosterFilter =>
        $"select='gte(t\\,{Seconds(PosterFrom)})',signalstats," +
        $"metadata=mode=select:key=lavfi.signalstats.YAVG:value={PosterMinLuma}:function=greater,thumbnail={PosterCandidates}";

    /// <summary>
    /// The thumbnails' filter: the first frame at or after each of <see cref="ThumbnailTimes"/> (a frame is taken when
    /// its time has reached the next point and the frame taken before it had not), scaled to <see cref="ThumbnailWidth"/>.
    /// </summary>
    public string ThumbnailFilter
    {
        get
        {
            var times = ThumbnailTimes;
            var terms = new List<string> { $"gte(t\\,{Seconds(times[0])})*isnan(prev_selected_t)" };
            terms.AddRange(times.Skip(1).Select(time => $"gte(t\\,{Seconds(time)})*lt(prev_selected_t\\,{Seconds(time)})"));
            return $"select='gt({string.Join("+", terms)}\\,0)',scale=w='min({ThumbnailWidth}\\,iw)':h=-2";
        }
    }

    /// <summary>
    /// The storyboard's filter: the first frame of each slot of <see cref="TileInterval"/> (register 0 holds where the
    /// next slot starts, so slots never drift with the frame rate), scaled to <see cref="TileWidth"/>.
    /// </summary>
    public string TileFilter =>
        $"select='gt(if(gte(t\\,ld(0))\\,st(0\\,(floor(t/{Seconds(TileInterval)})+1)*{Seconds(TileInterval)}))\\,0)',scale={TileWidth}:-2";

    /// <summary>A thumbnail's size for an output of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static (int Width, int Height) ThumbnailSize(int width, int height) =>
        (Math.Min(ThumbnailWidth, width), ScaledHeight(Math.Min(ThumbnailWidth, width), width, height));

    /// <summary>A tile's size for an output of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static (int Width, int Height) TileSize(int width, int height) => (TileWidth, ScaledHeight(TileWidth, width, height));

    /// <summary>
    /// The height ffmpeg's <c>scale=w:-2</c> gives a frame of <paramref name="width"/> x <paramref name="height"/>
    /// scaled to <paramref name="to"/> wide: the aspect kept, rounded to the nearest even number (libavfilter's
    /// scale_eval: av_rescale(w, ih, iw * 2) * 2, which rounds half up), so the sizes are known without a probe.
    /// </summary>
    public static int ScaledHeight(int to, int width, int height) =>
        (int)(((long)to * height + width) / (2L * width)) * 2;

    /// <summary>The sprite's grid for <paramref name="tiles"/> tiles: <see cref="Columns"/> wide (fewer for a short video).</summary>
    public static (int Columns, int Rows) Grid(int tiles) =>
        tiles <= 0 ? throw new ArgumentOutOfRangeException(nameof(tiles), tiles, "A storyboard has at least one tile.")
            : (Math.Min(Columns, tiles), (tiles + Columns - 1) / Columns);

    private static string Seconds(TimeSpan time, string format = "0.###") => time.TotalSeconds.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>
/// A storyboard as stored on the job: the sprite's blob, its grid and tile size, and the slots the tiles stand for.
/// </summary>
public sealed record Storyboard(string BlobName, int Tiles, int Columns, int TileWidth, int TileHeight, double IntervalSeconds, double DurationSeconds)
{
    /// <summary>
    /// The WebVTT that maps each tile's time range to its place on the sprite at <paramref name="imageUrl"/>
    /// (<c>url#xywh=x,y,w,h</c>, the media-fragment form players read); the last range ends at the video's end.
    /// </summary>
    public string Vtt(string imageUrl)
    {
        var vtt = new StringBuilder("WEBVTT\n");
        var end = TimeSpan.FromSeconds(DurationSeconds);
        for (var tile = 0; tile < Tiles; tile++)
        {
            var from = TimeSpan.FromSeconds(IntervalSeconds * tile);
            var to = tile == Tiles - 1 ? end : TimeSpan.FromSeconds(IntervalSeconds * (tile + 1));
            vtt.Append(CultureInfo.InvariantCulture,
                $"\n{Time(from)} --> {Time(to)}\n{imageUrl}#xywh={tile % Columns * TileWidth},{tile / Columns * TileHeight},{TileWidth},{TileHeight}\n");
        }

        return vtt.ToString();
    }

    private static string Time(TimeSpan time) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours:00}:{time.Minutes:00}:{time.Seconds:00}.{time.Milliseconds:000}");
}
