using System.Globalization;

namespace Offload.Videos.Splitting;

/// <summary>
/// The frames of a source's video stream as its packets say (ffprobe, no decoding): each frame's time in presentation
/// order and whether a decoder can start there. The figures a split is planned and checked by.
/// </summary>
public sealed record SourceFrames(IReadOnlyList<TimeSpan> Times, IReadOnlySet<int> Keyframes)
{
    public int Count => Times.Count;

    /// <summary>
    /// The frame rate when the frames come at one pace: the median time between two frames, when all but a few in a
    /// thousand are within a tenth of it (an AVI writer's skipped slot is no variable frame rate; a phone's camera
    /// is); <c>null</c> for variable frame rate.
    /// </summary>
    public double? ConstantFrameRate
    {
        get
        {
            if (Count < 2)
                return null;
            var steps = Times.Zip(Times.Skip(1), (a, b) => (b - a).TotalSeconds).ToArray();
            var step = steps.Order().ElementAt(steps.Length / 2);
            if (step <= 0)
                return null;
            var off = steps.Count(d => Math.Abs(d - step) > step / 10);
            return off <= steps.Length / 200 ? 1 / step : null;
        }
    }
}

/// <summary>
/// What a stitched output is held to (<see cref="SplitEncoder.CheckAsync"/>): the source's frame count, its first and
/// last frame's times, and its frame rate. Small enough to travel in each part's payload, so the stitch need not read
/// the source again.
/// </summary>
public sealed record SourceFigures(int Frames, double FirstSeconds, double LastSeconds, double FrameRate)
{
    public static SourceFigures Of(SourceFrames frames) =>
        new(frames.Count, frames.Times[0].TotalSeconds, frames.Times[^1].TotalSeconds, frames.ConstantFrameRate ?? 25);

    /// <summary>From the first frame to the last.</summary>
    public TimeSpan Length => TimeSpan.FromSeconds(LastSeconds - FirstSeconds);

    public TimeSpan Frame => TimeSpan.FromSeconds(1 / FrameRate);
}

/// <summary>
/// A part of a split encode: the frames <see cref="FirstFrame"/> to <see cref="FirstFrame"/> + <see cref="Frames"/> - 1
/// of the source, from the keyframe at <see cref="Start"/>. Parts cover the source's frames once each, in order.
/// </summary>
public sealed record VideoPart(int Index, TimeSpan Start, int FirstFrame, int Frames)
{
    /// <summary>How long the part plays: its frames at the source's frame rate.</summary>
    public TimeSpan Length(SourceFigures source) => TimeSpan.FromSeconds(Frames / source.FrameRate);

    /// <summary>
    /// The part's start as ffmpeg's <c>-ss</c> takes it: from the file's start time (<see cref="MediaInfo.StartTime"/>;
    /// frame times are the file's own), in whole microseconds rounded down, so the keyframe is in.
    /// </summary>
    public string SeekArgument(TimeSpan fileStart) =>
        (Math.Max(0, Math.Floor((Start - fileStart).TotalMicroseconds)) / 1e6).ToString("0.000000", CultureInfo.InvariantCulture);
}

/// <summary>Whether a source is split, and into which parts; or why it is encoded as one job.</summary>
public sealed record SplitDecision(IReadOnlyList<VideoPart> Parts, string? WhyNot)
{
    public bool IsSplit => Parts.Count > 1;
}

/// <summary>
/// Cuts a source at keyframes into parts of about <c>partDuration</c> (pure logic): at the first keyframe at or after
/// each multiple of it, so a part's decoder starts clean, and never leaving a last part shorter than half of it.
/// A source is one job when it is no longer than <c>splitAbove</c>, when its frame rate varies (parts joined by
/// frame count would drift from their timestamps), or when it has no keyframe to cut at.
/// </summary>
public static class SplitPlan
{
    public static SplitDecision Decide(SourceFrames frames, TimeSpan duration, TimeSpan splitAbove, TimeSpan partDuration)
    {
        VideoPart[] whole = [new VideoPart(0, frames.Count > 0 ? frames.Times[0] : TimeSpan.Zero, 0, frames.Count)];
        if (duration <= splitAbove)
            return new(whole, $"{Clock(duration)} is no longer than the {Clock(splitAbove)} above which a video is split.");
        if (partDuration <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(partDuration), partDuration, "A part lasts longer than nothing.");
        if (frames.ConstantFrameRate is null)
            return new(whole, "Its frame rate varies, so parts could not be joined frame-exactly.");

        var cuts = new List<int> { 0 };
        var first = frames.Times[0];
        var end = frames.Times[^1];
        for (var target = first + partDuration; target < end - partDuration / 2; target = frames.Times[cuts[^1]] + partDuration)
        {
            var cut = Enumerable.Range(cuts[^1] + 1, frames.Count - cuts[^1] - 1)
                .FirstOrDefault(i => frames.Keyframes.Contains(i) && frames.Times[i] >= target, -1);
            if (cut < 0 || frames.Times[cut] > end - partDuration / 2)
                break;
            cuts.Add(cut);
        }

        if (cuts.Count < 2)
            return new(whole, "It has no keyframe to cut it at.");
        cuts.Add(frames.Count);
        return new([.. cuts.Zip(cuts.Skip(1)).Select((c, i) => new VideoPart(i, frames.Times[c.First], c.First, c.Second - c.First))], null);
    }

    private static string Clock(TimeSpan value) => EncodeLimits.Clock(value);
}
