using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Offload.Http;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;
using Xunit.Abstractions;

namespace Offload.IntegrationTests.Security;

/// <summary>
/// The body limits hold for every shape a client can send: multipart with a huge field that is not the file, chunked
/// bodies without a length, JSON bodies of any size, and a body that never ends. Each is cut off at the limit with a
/// 413 problem, or (a silent client) by the server's read timeout, and the server keeps serving.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class RequestBodyTests(ServerFixture fixture, ITestOutputHelper output)
{
    private HttpClient Http => fixture.Http;

    // A raw socket for the floods: an HTTP client stops at its own send error and never shows the early answer.
    [Fact]
    public async Task Multipart_WithAHugeNonFileField_Chunked_IsCutOffAtTheLimit()
    {
        // A text field that never ends, before any file, with no Content-Length: the server used to read and skip it all.
        var flood = await FloodAsync("/api/videos", "multipart/form-data; boundary=XyZ",
            "--XyZ\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n"u8.ToArray());

        AssertCutOff(flood, ServerFixture.MaxUploadBytes, "multipart with an endless non-file field");
    }

    [Fact]
    public async Task RawVideo_Chunked_ThatNeverEnds_IsCutOffAtTheLimit()
    {
        var flood = await FloodAsync("/api/videos", "video/mp4", []);

        AssertCutOff(flood, ServerFixture.MaxUploadBytes, "raw video");
    }

    [Theory]
    [InlineData("/api/emails")]
    [InlineData("/api/uploads")]
    public async Task JsonBody_Chunked_ThatNeverEnds_IsCutOffAtTheCap(string path)
    {
        // A string value that goes on and on: the parser would buffer it whole.
        var flood = await FloodAsync(path, "application/json", "{\"fileName\":\""u8.ToArray());

        AssertCutOff(flood, RequestLimits.MaxJsonBodyBytes, $"JSON on {path}");
    }

    private void AssertCutOff(Flood flood, long limit, string what)
    {
        output.WriteLine($"{what}: '{flood.StatusLine}' after {flood.SentAtAnswer / 1048576.0:0.0} MiB sent; connection closed " +
                         $"{(flood.ClosedAfterAnswer is { } c ? $"{c.TotalSeconds:0.0} s after the answer, {flood.Sent / 1048576.0:0} MiB sent in all" : "never")}");
        Measurements.Report($"[bodies] {what}: 413 after {flood.SentAtAnswer / 1048576.0:0.0} MiB sent; closed {flood.ClosedAfterAnswer?.TotalSeconds:0.0} s later");
        Assert.StartsWith("HTTP/1.1 413", flood.StatusLine);
        Assert.Contains("application/problem+json", flood.Answer);
        // The limit plus what sits in the sockets' and the server's buffers: never much more.
        Assert.InRange(flood.SentAtAnswer, limit, limit + 32L * 1024 * 1024);
        // Kestrel then discards what still comes for at most 5 s (its fixed drain time, so the client can read the
        // answer), and closes the connection.
        Assert.NotNull(flood.ClosedAfterAnswer);
        Assert.InRange(flood.ClosedAfterAnswer!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(8));
    }

    private sealed record Flood(string StatusLine, string Answer, long SentAtAnswer, long Sent, TimeSpan? ClosedAfterAnswer);

    /// <summary>
    /// Sends a chunked body of <paramref name="prefix"/> then endless 'a's, while reading the answer: how much was sent
    /// when the answer came, and how long until the server closed the connection.
    /// </summary>
    private async Task<Flood> FloodAsync(string path, string contentType, byte[] prefix)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, fixture.Server.BaseAddress.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ServerProcess.AdminKey}\r\nContent-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n\r\n"));

        long sent = 0, sentAtAnswer = -1;
        var answered = new TaskCompletionSource();
        var watch = Stopwatch.StartNew();
        var answerAt = TimeSpan.Zero;
        var reader = Task.Run(async () =>
        {
            var received = new MemoryStream();
            var buffer = new byte[8192];
            try
            {
                int read;
                while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                {
                    if (received.Length == 0)
                    {
                        (sentAtAnswer, answerAt) = (Interlocked.Read(ref sent), watch.Elapsed);
                        answered.TrySetResult();
                    }

                    received.Write(buffer, 0, read);
                }
            }
            catch (SocketException)
            {
                // reset: closed just the same
            }

            return (Encoding.ASCII.GetString(received.ToArray()), watch.Elapsed);
        });

        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'a');
        var framed = Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n").Concat(chunk).Concat("\r\n"u8.ToArray()).ToArray();
        var first = Encoding.ASCII.GetBytes($"{prefix.Length:x}\r\n").Concat(prefix).Concat("\r\n"u8.ToArray()).ToArray();
        try
        {
            if (prefix.Length > 0)
                await socket.SendAsync(first);
            // Stops when the server closes; a safety stop at 2 GiB or a minute.
            while (sent < 2L << 30 && watch.Elapsed < TimeSpan.FromMinutes(1) && !reader.IsCompleted)
            {
                await socket.SendAsync(framed);
                Interlocked.Add(ref sent, chunk.Length);
            }
        }
        catch (SocketException)
        {
            // the server hung up: the point
        }

        var finished = await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(finished == reader, $"the connection stayed open: {Interlocked.Read(ref sent)} bytes sent");
        var (answer, closedAt) = await reader;
        Assert.True(answered.Task.IsCompleted, $"no answer before the server hung up, after {sent} bytes");
        return new Flood(answer.Split("\r\n")[0], answer, sentAtAnswer, sent, closedAt - answerAt);
    }

    [Theory]
    [InlineData("/api/emails", true)]
    [InlineData("/api/emails", false)]
    [InlineData("/api/uploads", true)]
    [InlineData("/api/uploads", false)]
    public async Task JsonBody_OverTheCap_Is413_WithOrWithoutALength(string path, bool declared)
    {
        var json = $$"""{"to":"a@example.com","template":"welcome","fileName":"{{new string('x', RequestLimits.MaxJsonBodyBytes)}}"}""";
        HttpContent content = declared ? new StringContent(json) : new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TransferEncodingChunked = !declared;

        using var response = await Http.SendAsync(request);

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(RequestLimits.MaxJsonBodyBytes, problem.GetProperty("maxBytes").GetInt64());
    }

    [Theory]
    [InlineData("fileName", "fileName")]
    [InlineData("contentType", "contentType")]
    [InlineData("notify", "notify")]
    public async Task Upload_WithAnOverlongField_Is400NamingIt_Never500(string overlong, string field)
    {
        var body = new Dictionary<string, object> { ["fileName"] = "a.mp4", ["contentType"] = "video/mp4", ["sizeBytes"] = 1000 };
        body[overlong] = overlong switch
        {
            "contentType" => "video/" + new string('x', 70_000),
            "notify" => new string('a', 70_000) + "@example.com",
            _ => new string('x', 70_000) + ".mp4",
        };

        using var response = await Http.PostAsJsonAsync("/api/uploads", body);

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{problem}");
    }

    [Fact]
    public async Task ABodyThatStops_IsCutOffByTheServer_InBoundedTime_AndTheServerStaysHealthy()
    {
        // Headers promise a body; a few bytes come, then nothing. Three at once, one per way in.
        var unhandledBefore = Unhandled();
        var stalls = await Task.WhenAll(
            StallAsync("/api/emails", "application/json", 1_000, "{\"to\":"u8.ToArray()),
            StallAsync("/api/uploads", "application/json", 1_000, "{\"fileName\":"u8.ToArray()),
            StallAsync("/api/videos", "video/mp4", 10_000_000, new byte[16]));

        foreach (var (path, held, answer) in stalls)
        {
            output.WriteLine($"{path}: stalled body cut off after {held.TotalSeconds:0.0} s; answer: {answer}");
            Measurements.Report($"[bodies] stalled body on {path} cut off after {held.TotalSeconds:0.0} s");
            // Kestrel's default minimum rate (240 bytes/s) after its 5 s grace period, checked once a second.
            Assert.InRange(held, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(15));
            Assert.StartsWith("HTTP/1.1 408", answer); // the body timed out: not refused early for another reason
        }

        Assert.Equal(unhandledBefore, Unhandled()); // answered as problems (408), not left to the exception handler
        using var health = await Http.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var email = await Http.PostAsJsonAsync("/api/emails", new { to = "after-stall@example.com", template = "welcome", model = new { name = "Ada" } });
        Assert.Equal(HttpStatusCode.Accepted, email.StatusCode);
    }

    private int Unhandled() => fixture.Server.Output.Text.Split("unhandled exception", StringSplitOptions.None).Length;

    /// <summary>A raw socket: the headers, <paramref name="first"/>, then silence; how long until the server hangs up.</summary>
    private async Task<(string Path, TimeSpan Held, string Answer)> StallAsync(string path, string contentType, long contentLength, byte[] first)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, fixture.Server.BaseAddress.Port);
        var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ServerProcess.AdminKey}\r\nContent-Type: {contentType}\r\nContent-Length: {contentLength}\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head));
        await socket.SendAsync(first);
        var watch = Stopwatch.StartNew();

        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, giveUp.Token)) > 0)
                received.Write(buffer, 0, read);
        }
        catch (SocketException)
        {
            // reset by the server: cut off just the same
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the server held a stalled body on {path} for a minute");
        }

        var answer = Encoding.ASCII.GetString(received.ToArray());
        return (path, watch.Elapsed, answer.Split("\r\n")[0]);
    }
}
