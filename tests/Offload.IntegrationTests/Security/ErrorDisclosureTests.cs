using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Security;

/// <summary>
/// What a caller sees (API answers, a job's error and history) names no internals: not the SMTP host, port or login,
/// not the worker's file paths, not ffmpeg's own words. Failing cases are provoked for real, their answers are searched
/// for those strings, and the server's log is checked to hold the detail instead.
/// </summary>
public sealed class ErrorDisclosureTests
{
    private const string SmtpUser = "offload-smtp-login-7q";

    /// <summary>An ffmpeg that answers -version, then fails the way ffmpeg does: naming its input file, with its full path.</summary>
    private static string BrokenFfmpeg()
    {
        var folder = Directory.CreateTempSubdirectory("offload-chatty-ffmpeg").FullName;
        var ffmpeg = Path.Combine(folder, "ffmpeg");
        File.WriteAllText(ffmpeg,
            "#!/bin/sh\n[ \"$1\" = -version ] && exec /usr/bin/ffmpeg -version\n" +
            "for a in \"$@\"; do last=$a; done\necho \"$last: Permission denied\" >&2\necho \"Error opening output files: $*\" >&2\nexit 1\n");
        File.SetUnixFileMode(ffmpeg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(Path.Combine(folder, "ffprobe"), "/usr/bin/ffprobe");
        return folder;
    }

    [Fact]
    public async Task FailingEmailsAndEncodes_ShowNoSmtpHostLoginOrPath()
    {
        var seen = new List<string>();
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent));

        // 1. An SMTP server that refuses the login, and an ffmpeg that fails naming the worker's files.
        var work = Directory.CreateTempSubdirectory("offload-private-work").FullName;
        await using (var azurite = await Azurite.StartAsync())
        await using (var mail = await MailDev.StartAsync(credentials: (SmtpUser, "the-right-password")))
        {
            var port = mail.SmtpPort.ToString(CultureInfo.InvariantCulture);
            await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string>
            {
                ["Email__SmtpHost"] = "127.0.0.1",
                ["Email__SmtpPort"] = port,
                ["Email__SmtpUser"] = SmtpUser,
                ["Email__SmtpPassword"] = "a-wrong-password",
                ["Email__MaxAttempts"] = "2",
                ["Email__RetryBaseDelay"] = "00:00:00.100",
                ["Encoding__FfmpegFolder"] = BrokenFfmpeg(),
                ["Encoding__WorkingDirectory"] = work,
                ["Encoding__MaxAttempts"] = "1",
                ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.250",
            });
            seen.AddRange(await ProvokeAsync(server, clip));
            Assert.Contains(seen, s => s.Contains("refused the login", StringComparison.Ordinal));
            Assert.Contains(seen, s => s.Contains("ffmpeg exited with code 1", StringComparison.Ordinal));

            var secrets = new[] { $"127.0.0.1:{port}", $":{port}", SmtpUser, work, Path.GetTempPath().TrimEnd('/'), "Permission denied", "Error opening" };
            AssertNoneContains(seen, secrets);
            // ...and the detail is in the log, for the operator.
            Assert.Contains($"127.0.0.1:{port}", server.Output.Text);
            Assert.Contains(SmtpUser, server.Output.Text);
            Assert.Contains("Permission denied", server.Output.Text);
        }

        // 2. An SMTP server that cannot be reached, and a working folder that cannot be made (a file is in its way).
        seen.Clear();
        var blocked = Path.Combine(work, "not-a-folder");
        await File.WriteAllTextAsync(blocked, "");
        await using (var azurite = await Azurite.StartAsync())
        {
            var port = ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture);
            await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, new Dictionary<string, string>
            {
                ["Email__SmtpHost"] = "127.0.0.2",
                ["Email__SmtpPort"] = port,
                ["Email__MaxAttempts"] = "2",
                ["Email__RetryBaseDelay"] = "00:00:00.100",
                ["Encoding__WorkingDirectory"] = blocked,
                ["Encoding__MaxAttempts"] = "1",
                ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.250",
            });
            seen.AddRange(await ProvokeAsync(server, clip));
            Assert.Contains(seen, s => s.Contains("could not be reached", StringComparison.Ordinal));
            Assert.Contains(seen, s => s.Contains("could not be read or written", StringComparison.Ordinal));

            AssertNoneContains(seen, ["127.0.0.2", $":{port}", blocked, work, Path.GetTempPath().TrimEnd('/')]);
            Assert.Contains("127.0.0.2", server.Output.Text);
            Assert.Contains(blocked, server.Output.Text);
        }

        Directory.Delete(work, recursive: true);
    }

    /// <summary>An email and a video that fail, and a round of bad requests: every body the caller gets back.</summary>
    private static async Task<List<string>> ProvokeAsync(ServerProcess server, byte[] clip)
    {
        var http = server.Http;
        var bodies = new List<string>();
        async Task AnswerAsync(Task<HttpResponseMessage> call)
        {
            using var response = await call;
            bodies.Add(await response.Content.ReadAsStringAsync());
        }

        using var email = await http.PostAsJsonAsync("/api/emails", new { to = "a@example.com", template = "welcome", model = new { name = "Ada" } });
        var emailStatus = (await email.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
        using var video = await http.PostVideoAsync(clip, "?notify=owner%40example.com");
        var videoStatus = video.Headers.Location!.OriginalString;

        await AnswerAsync(http.PostAsync("/api/emails", new StringContent("{not json", Encoding.UTF8, "application/json")));
        await AnswerAsync(http.PostAsync("/api/emails", new StringContent(new string('x', 200_000), Encoding.UTF8, "application/json")));
        await AnswerAsync(http.PostAsync("/api/videos", new StringContent("hello", Encoding.UTF8, "text/plain")));
        await AnswerAsync(http.PostAsJsonAsync("/api/uploads", new { fileName = "x", contentType = "video/mp4", sizeBytes = long.MaxValue }));
        await AnswerAsync(http.GetAsync("/api/videos/0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3"));
        await AnswerAsync(http.GetAsync("/api/nothing"));
        await AnswerAsync(http.GetAsync("/api/health"));

        var failedEmail = await server.WaitForFinalAsync(emailStatus, TimeSpan.FromSeconds(60));
        var failedVideo = await server.WaitForFinalAsync(videoStatus, TimeSpan.FromSeconds(60));
        Assert.Equal(("failed", "failed"), (failedEmail.GetProperty("status").GetString(), failedVideo.GetProperty("status").GetString()));
        bodies.Add(failedEmail.GetRawText());
        bodies.Add(failedVideo.GetRawText());
        return bodies;
    }

    private static void AssertNoneContains(IEnumerable<string> bodies, IEnumerable<string> secrets)
    {
        foreach (var secret in secrets)
            Assert.All(bodies, body => Assert.False(body.Contains(secret, StringComparison.Ordinal), $"'{secret}' in {body}"));
    }
}
