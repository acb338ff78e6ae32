using System.Globalization;
using System.Text.RegularExpressions;
using Offload.Videos.Pictures;

namespace Offload.Tests.Videos;

public class PicturePlanTests
{
    [Theory]
    [InlineData(12, 2000, 6)]       // short: a tile every 2 s
    [InlineData(12.5, 2000, 7)]     // the last slot starts before the end
    [InlineData(600, 6000, 100)]    // ten minutes: at most 100 tiles
    [InlineData(7200, 72000, 100)]  // two hours
    [InlineData(0.4, 2000, 1)]
    public void Tiles_AreOneAnIntervalOfAtLeastTwoSeconds_AndAtMostAHundred(double seconds, double intervalMs, int slots)
    {
        var plan = new PicturePlan(TimeSpan.FromSeconds(seconds));

        Assert.Equal(intervalMs, plan.TileInterval.TotalMilliseconds);
        Assert.Equal(slots, plan.TileSlots);
    }

    [Fact]
    public void TheEncode_PutsAKeyframeAtTheStartOfEverySlot() =>
        Assert.Equal("expr:gte(t,n_forced*6)", new PicturePlan(TimeSpan.FromMinutes(10)).KeyframeExpression);

    [Fact]
    public void Poster_IsChosenFromAThirdOfTheWayIn_AndThumbnailsAreAtTheKeyframesOfEvenlySpacedPoints()
    {
        var plan = new PicturePlan(TimeSpan.FromSeconds(600));

        Assert.Equal(TimeSpan.FromSeconds(200), plan.PosterFrom);
        Assert.Equal([TimeSpan.FromSeconds(150), TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(450)], plan.ThumbnailTimes);
        Assert.StartsWith("select='gte(t\\,200)',signalstats,", plan.PosterFilter);
        Assert.Contains($"value={PicturePlan.PosterMinLuma}:function=greater", plan.PosterFilter);
        Assert.Equal(
            "select='gt(gte(t\\,150)*isnan(prev_selected_t)+gte(t\\,300)*lt(prev_selected_t\\,300)+gte(t\\,450)*lt(prev_selected_t\\,450)\\,0)',scale=w='min(320\\,iw)':h=-2",
            plan.ThumbnailFilter);
    }

    [Theory]
    [InlineData(12, new[] { 2.0, 6, 8 })] // 3, 6, 9 s, at the keyframes of their slots
    [InlineData(3, new[] { 0.0, 2 })]     // 0.75 and 1.5 s are both in the first slot
    public void Thumbnails_AreFewer_WhenPointsShareASlot(double seconds, double[] at) =>
        Assert.Equal(at, new PicturePlan(TimeSpan.FromSeconds(seconds)).ThumbnailTimes.Select(t => t.TotalSeconds));

    [Theory]
    [InlineData(320, 240, 320, 240, 160, 120)]
    [InlineData(240, 428, 240, 428, 160, 286)]  // portrait: 285.3 rounds to the even 286, as ffmpeg's scale=160:-2
    [InlineData(1920, 1080, 320, 180, 160, 90)]
    [InlineData(320, 242, 320, 242, 160, 122)]  // 121 is odd: 60.5 rounds up to 61, times two
    public void Sizes_AreWhatFfmpegsScaleGives(int width, int height, int thumbnailWidth, int thumbnailHeight, int tileWidth, int tileHeight)
    {
        Assert.Equal((thumbnailWidth, thumbnailHeight), PicturePlan.ThumbnailSize(width, height));
        Assert.Equal((tileWidth, tileHeight), PicturePlan.TileSize(width, height));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 7, 1)]
    [InlineData(10, 10, 1)]
    [InlineData(11, 10, 2)]
    [InlineData(100, 10, 10)]
    public void Sprite_IsTenTilesWide(int tiles, int columns, int rows) =>
        Assert.Equal((columns, rows), PicturePlan.Grid(tiles));

    [Fact]
    public void Vtt_MapsEveryRangeToItsTile_AndCoversTheVideoToItsEnd()
    {
        var storyboard = new Storyboard("b", Tiles: 13, Columns: 10, TileWidth: 160, TileHeight: 90, IntervalSeconds: 1, DurationSeconds: 12.48);

        var vtt = storyboard.Vtt("https://store/sprite.jpg?sig=x");

        Assert.StartsWith("WEBVTT\n\n", vtt);
        var cues = Regex.Matches(vtt, @"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)\n");
        Assert.Equal(13, cues.Count);
        var end = 0.0;
        for (var i = 0; i < cues.Count; i++)
        {
            var g = cues[i].Groups;
            double At(int first) => int.Parse(g[first].Value, CultureInfo.InvariantCulture) * 3600 + int.Parse(g[first + 1].Value, CultureInfo.InvariantCulture) * 60
                + int.Parse(g[first + 2].Value, CultureInfo.InvariantCulture) + int.Parse(g[first + 3].Value, CultureInfo.InvariantCulture) / 1000.0;
            Assert.Equal(end, At(1), 3); // no gap, no overlap
            end = At(5);
            Assert.Equal("https://store/sprite.jpg?sig=x", g[9].Value);
            Assert.Equal([i % 10 * 160, i / 10 * 90, 160, 90], Enumerable.Range(10, 4).Select(n => int.Parse(g[n].Value, CultureInfo.InvariantCulture)));
        }

        Assert.Equal(12.48, end, 3);
    }

    [Fact]
    public void Vtt_WritesHoursPastADay() =>
        Assert.Contains("25:00:00.000 --> 25:00:01.000",
            new Storyboard("b", 2, 10, 160, 90, 90_000, 90_001).Vtt("u"));
}
