using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;

namespace Offload.IntegrationTests.Faults;

/// <summary>
/// No secret in a log line or an error body: a full run (both ways in, SAS links, emails through an SMTP server that
/// wants a login, a wrong password, every kind of error answer), then the server's whole log and every error body are
/// searched for the account key, the connection string, SAS signatures and the SMTP password.
/// </summary>
public sealed partial class SecretsTests
{
    private const string SmtpUser = "offload";
    private const string SmtpPassword = "s3cret-Smtp-P4ss";

    [Fact]
    public async Task AFullRun_LeavesNoSecretInTheLogsOrInAnyErrorBody()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var mail = await MailDev.StartAsync(credentials: (SmtpUser, SmtpPassword));
        var settings = new Dictionary<string, string>
        {
            ["Email__SmtpPort"] = mail.SmtpPort.ToString(CultureInfo.InvariantCulture),
            ["Email__SmtpUser"] = SmtpUser,
            ["Email__SmtpPassword"] = SmtpPassword,
            ["Email__MaxAttempts"] = "2",
            ["Email__RetryBaseDelay"] = "00:00:00.200",
            ["Logging__LogLevel__Default"] = "Debug", // the most a log says
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.250",
        };
        await using var server = await ServerProcess.StartAsync(azurite.ConnectionString, settings);
        var http = server.Http;
        var errorBodies = new List<string>();
        var signatures = new List<string>();
        async Task ErrorAsync(Task<HttpResponseMessage> call)
        {
            using var response = await call;
            Assert.False(response.IsSuccessStatusCode, $"{response.StatusCode}");
            errorBodies.Add(await response.Content.ReadAsStringAsync());
        }

        // In through the API, with a notification email over SMTP with a login.
        var clip = await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent));
        using var accepted = await http.PostVideoAsync(clip, "?notify=owner%40example.com");
        var id = await accepted.AcceptedIdAsync();
        Assert.Equal("succeeded", (await server.WaitForFinalAsync($"/api/videos/{id}")).GetProperty("status").GetString());
        using var redirect = await http.GetAsync($"/api/videos/{id}/output");
        signatures.Add(SignatureOf(redirect.Headers.Location!));
        Assert.Single(await mail.WaitForAsync(e => e.To == "owner@example.com"));

        // In straight to Blob Storage, through a write-only link.
        using var created = await http.PostAsJsonAsync("/api/uploads", new { fileName = "clip.avi", contentType = "video/x-msvideo", sizeBytes = clip.Length });
        var upload = await created.Content.ReadFromJsonAsync<JsonElement>();
        var uploadUrl = new Uri(upload.GetProperty("uploadUrl").GetString()!);
        signatures.Add(SignatureOf(uploadUrl));
        using (var put = new HttpRequestMessage(HttpMethod.Put, uploadUrl) { Content = new ByteArrayContent(clip) })
        {
            put.Headers.Add("x-ms-blob-type", "BlockBlob");
            using var storage = new HttpClient();
            (await storage.SendAsync(put)).EnsureSuccessStatusCode();
        }

        using var submitted = await http.PostAsync(upload.GetProperty("submitUrl").GetString(), null);
        Assert.Equal("succeeded", (await server.WaitForFinalAsync(submitted.Headers.Location!.OriginalString)).GetProperty("status").GetString());

        // Every kind of error answer.
        await ErrorAsync(http.PostAsync("/api/videos", new StringContent("hello", Encoding.UTF8, "text/plain")));             // 415
        await ErrorAsync(http.PostAsync("/api/emails", new StringContent("{not json", Encoding.UTF8, "application/json")));   // 400
        await ErrorAsync(http.PostAsJsonAsync("/api/uploads", new { fileName = "x", contentType = "video/mp4", sizeBytes = long.MaxValue })); // 413
        await ErrorAsync(http.GetAsync("/api/videos/0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3"));                                      // 404
        await ErrorAsync(http.DeleteAsync($"/api/videos/{id}"));                                                                // 409
        await ErrorAsync(http.PostAsync($"/api/videos/{upload.GetProperty("id").GetString()}/retry", null));                    // 409
        await ErrorAsync(http.GetAsync("/api/nothing"));                                                                        // 404 route
        using var failedVideo = await http.PostVideoAsync(new byte[4096]);
        errorBodies.Add((await server.WaitForFinalAsync(failedVideo.Headers.Location!.OriginalString)).GetRawText()); // a failed job's reason

        // A second server, on storage of its own, with a wrong SMTP password: the email fails with a reason a person can act on.
        settings["Email__SmtpPassword"] = "Wr0ng-P4ssword-xyz";
        await using var otherStorage = await Azurite.StartAsync();
        await using var misconfigured = await ServerProcess.StartAsync(otherStorage.ConnectionString, settings);
        using var email = await misconfigured.Http.PostAsJsonAsync("/api/emails", new { to = "a@example.com", template = "welcome", model = new { name = "A" } });
        var refused = await misconfigured.WaitForFinalAsync((await email.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!, TimeSpan.FromSeconds(60));
        Assert.Equal("failed", refused.GetProperty("status").GetString());
        Assert.Contains("refused the login: check Email__SmtpUser", refused.GetProperty("error").GetString());
        errorBodies.Add(refused.GetRawText());

        var accountKey = Regex.Match(azurite.ConnectionString, "AccountKey=([^;]+)").Groups[1].Value;
        var secrets = new[] { accountKey, azurite.ConnectionString, SmtpPassword, "Wr0ng-P4ssword-xyz" }.Concat(signatures).ToList();
        var logs = server.Output.Text + misconfigured.Output.Text;
        Assert.True(logs.Length > 10_000, "the run should have logged plenty");
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, logs);
            Assert.All(errorBodies, body => Assert.DoesNotContain(secret, body));
        }

        Assert.DoesNotMatch(UnredactedSignature(), logs);
        Assert.DoesNotContain("AccountKey=", logs);
        Assert.All(errorBodies, body => Assert.DoesNotMatch(UnredactedSignature(), body));
    }

    private static string SignatureOf(Uri sasUrl) =>
        HttpUtility.ParseQueryString(sasUrl.Query)["sig"] is { Length: > 10 } sig ? sig : throw new InvalidOperationException($"No signature in {sasUrl}");

    [GeneratedRegex("sig=(?!REDACTED)[^&\\s\"]+")]
    private static partial Regex UnredactedSignature();
}
