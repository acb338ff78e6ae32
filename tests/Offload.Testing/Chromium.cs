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
    public static async Task<IReadOnlyDictionary<string, string>> TryPlayAsync(IReadOnlyDictionary<string, string> sources)
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"{Executable} is missing: ./test.sh installs it (apt-get install chromium).");

        var folder = Directory.CreateTempSubdirectory("offload-chromium").FullName;
        try
        {
            var videos = string.Join('\n', sources.Select(s =>
                $"<video id=\"{WebUtility.HtmlEncode(s.Key)}\" src=\"{WebUtility.HtmlEncode(s.Value)}\" muted preload=\"auto\"></video>"));
            var page = Path.Combine(folder, "play.html");
            await File.WriteAllTextAsync(page, $$"""
                <!doctype html><html><body>{{videos}}<pre id="log"></pre><script>
                const log = m => document.getElementById('log').textContent += m + '\n';
                for (const v of document.querySelectorAll('video')) {
                  const decoded = () => log(v.id + ': decoded ' + v.videoWidth + 'x' + v.videoHeight + ' ' + v.duration.toFixed(2) + ' s');
                  const failed = () => log(v.id + ': error ' + v.error.code + ' ' + v.error.message);
                  // A local file can fail or load before this script runs: look first, then listen.
                  if (v.error) failed(); else if (v.readyState >= 2) decoded();
                  else { v.addEventListener('loadeddata', decoded); v.addEventListener('error', failed); }
                }
                </script></body></html>
                """);

            var result = await Command.ExecAsync(Executable,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                $"--user-data-dir={Path.Combine(folder, "profile")}", "--allow-file-access-from-files",
                "--virtual-time-budget=10000", "--dump-dom", new Uri(page).AbsoluteUri,
            ]);
            var dom = result.Output;

            return LogLine().Matches(WebUtility.HtmlDecode(dom))
                .ToDictionary(m => m.Groups["id"].Value, m => m.Groups["result"].Value.Trim());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [GeneratedRegex(@"\b(?<id>\w+): (?<result>(decoded|error) [^\n<]*)")]
    private static partial Regex LogLine();
}
