using System.Net;
using System.Text.RegularExpressions;

namespace Offload.Testing;

/// <summary>Debian's headless Chromium (installed by ./test.sh): does a real browser play what Offload produced?</summary>
public static partial class Chromium
{
    public const string Executable = "/usr/bin/chromium";

    /// <summary>
    /// Loads each source in a &lt;video&gt; element and reports, per source, either
    /// <c>decoded WxH D s</c> (the first frame was decoded) or <c>error N ...</c>.
    /// </summary>
    public static Task<IReadOnlyDictionary<string, string>> TryPlayAsync(IReadOnlyDictionary<string, string> sources) =>
        RunPageAsync(string.Join('\n', sources.Select(s =>
            $"<video id=\"{WebUtility.HtmlEncode(s.Key)}\" src=\"{WebUtility.HtmlEncode(s.Value)}\" muted preload=\"auto\"></video>")), """
            for (const v of document.querySelectorAll('video')) {
              const decoded = () => log(v.id + ': decoded ' + v.videoWidth + 'x' + v.videoHeight + ' ' + v.duration.toFixed(2) + ' s');
              const failed = () => log(v.id + ': error ' + v.error.code + ' ' + v.error.message);
              // A local file can fail or load before this script runs: look first, then listen.
              if (v.error) failed(); else if (v.readyState >= 2) decoded();
              else { v.addEventListener('loadeddata', decoded); v.addEventListener('error', failed); }
            }
            """);

    /// <summary>
    /// Reads a storyboard as a player does: the WebVTT <paramref name="vtt"/> as a metadata track of the video at
    /// <paramref name="video"/> (with <paramref name="poster"/> as its poster), reporting <c>cues</c> (how many, the
    /// first and the last time range, the first cue's text up to the fragment), <c>sprite</c> (the first cue's image,
    /// loaded as the browser loads it: <c>WxH</c> or <c>error</c>) and <c>poster</c> (the same for the poster).
    /// </summary>
    public static Task<IReadOnlyDictionary<string, string>> ReadStoryboardAsync(string video, string poster, string vtt) =>
        RunPageAsync(
            $"""
            <video id="v" src="{WebUtility.HtmlEncode(video)}" poster="{WebUtility.HtmlEncode(poster)}" muted preload="auto">
              <track id="t" kind="metadata" default src="storyboard.vtt">
            </video>
            """, $$"""
            const image = (name, url) => {
              const img = new Image();
              img.onload = () => log(name + ': decoded ' + img.naturalWidth + 'x' + img.naturalHeight);
              img.onerror = () => log(name + ': error loading ' + url);
              img.src = url;
            };
            image('poster', {{System.Text.Json.JsonSerializer.Serialize(poster)}});
            const track = document.getElementById('t');
            track.track.mode = 'hidden';
            const read = () => {
              const cues = [...track.track.cues];
              log('cues: decoded ' + cues.length + ' ' + cues[0].startTime + '-' + cues[0].endTime + ' ' +
                  cues[cues.length - 1].startTime + '-' + cues[cues.length - 1].endTime + ' ' + cues[0].text.split('#')[1]);
              image('sprite', cues[0].text);
            };
            if (track.readyState === 2) read(); else {
              track.addEventListener('load', read);
              track.addEventListener('error', () => log('cues: error loading the track'));
            }
            """,
            new Dictionary<string, string> { ["storyboard.vtt"] = vtt });

    private static async Task<IReadOnlyDictionary<string, string>> RunPageAsync(
        string body, string script, IReadOnlyDictionary<string, string>? files = null)
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"{Executable} is missing: ./test.sh installs it (apt-get install chromium).");

        var folder = Directory.CreateTempSubdirectory("offload-chromium").FullName;
        try
        {
            foreach (var (name, content) in files ?? new Dictionary<string, string>())
                await File.WriteAllTextAsync(Path.Combine(folder, name), content);
            var page = Path.Combine(folder, "play.html");
            await File.WriteAllTextAsync(page, $$"""
                <!doctype html><html><body>{{body}}<pre id="log"></pre><script>
                const log = m => document.getElementById('log').textContent += m + '\n';
                {{script}}
                </script></body></html>
                """);

            var result = await Command.ExecAsync(Executable,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                $"--user-data-dir={Path.Combine(folder, "profile")}", "--allow-file-access-from-files",
                "--virtual-time-budget=10000", "--dump-dom", new Uri(page).AbsoluteUri,
            ]);
            // The log alone: the page's script holds the same words.
            var log = Log().Match(result.Output).Groups[1].Value;

            return LogLine().Matches(WebUtility.HtmlDecode(log))
                .ToDictionary(m => m.Groups["id"].Value, m => m.Groups["result"].Value.Trim());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [GeneratedRegex("<pre id=\"log\">(.*?)</pre>", RegexOptions.Singleline)]
    private static partial Regex Log();

    [GeneratedRegex(@"\b(?<id>\w+): (?<result>(decoded|error) [^\n<]*)")]
    private static partial Regex LogLine();
}
