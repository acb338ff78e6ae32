using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Offload.IntegrationTests.Infrastructure;
using Offload.Testing;
using Xunit.Abstractions;

namespace Offload.IntegrationTests.Telemetry;

/// <summary>
/// OpenTelemetry as an operator sees it: server processes export over OTLP/HTTP (protobuf) to a local receiver, as
/// they would to a collector, and what arrives is read off the wire.
/// </summary>
public sealed class TelemetryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Email_IsOneTrace_FromThePostThroughTheQueueToTheSmtpSend_AcrossTwoProcesses()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var mail = await MailDev.StartAsync();
        await using var otlp = OtlpReceiver.Start();
        var smtp = mail.SmtpPort.ToString(CultureInfo.InvariantCulture);
        await using var api = await ServerProcess.StartAsync(azurite.ConnectionString,
            new Dictionary<string, string>(otlp.Settings("offload-api")) { ["Email__SmtpPort"] = smtp }, true, "--queues", "none");
        await using var worker = await ServerProcess.StartAsync(azurite.ConnectionString,
            new Dictionary<string, string>(otlp.Settings("offload-worker"))
            {
                ["Email__SmtpPort"] = smtp,
                ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.200",
            }, true, "--queues", "high-priority");
        var clock = Stopwatch.StartNew();

        using var response = await api.Http.PostAsJsonAsync("/api/emails", new { to = "trace@example.com", template = "welcome", model = new { name = "Ada" } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Single(await mail.WaitForAsync(e => e.To == "trace@example.com", timeout: Timeout));

        var smtpSpan = (await otlp.WaitForAsync(r => r.Spans, spans => spans.Any(s => s.Name == "smtp send"), Timeout)).Single(s => s.Name == "smtp send");
        var trace = await otlp.WaitForAsync(
            r => r.Spans.Where(s => s.TraceId == smtpSpan.TraceId).ToList(),
            spans => spans.Any(s => s.Kind == SpanKind.Server && s.Name.StartsWith("POST", StringComparison.Ordinal))
                     && spans.Any(s => s.Name == "send high-priority") && spans.Any(s => s.Name == "process high-priority"),
            Timeout);
        output.WriteLine($"{trace.Count} spans in trace {smtpSpan.TraceId} after {clock.Elapsed.TotalSeconds:0.0} s:");
        foreach (var span in trace)
            output.WriteLine($"  {span.Service,-15} {span.Kind,-9} {span.Name} {span.SpanId} <- {span.ParentSpanId}");

        var post = trace.Single(s => s.Kind == SpanKind.Server && s.Name.StartsWith("POST", StringComparison.Ordinal));
        var send = trace.Single(s => s.Name == "send high-priority");
        var process = trace.Single(s => s.Name == "process high-priority");
        Assert.Equal(("offload-api", "offload-api"), (post.Service, send.Service));
        Assert.Equal(("offload-worker", "offload-worker"), (process.Service, smtpSpan.Service));
        Assert.Equal("", post.ParentSpanId);                                      // the request starts the trace
        Assert.True(IsBelow(trace, send, post), "the enqueue is part of the request");
        Assert.Equal((SpanKind.Producer, id), (send.Kind, send.Attributes["offload.job.id"]));
        Assert.Equal(send.SpanId, process.ParentSpanId);                          // across the queue, from the envelope
        Assert.Equal((SpanKind.Consumer, id), (process.Kind, process.Attributes["offload.job.id"]));
        Assert.True(IsBelow(trace, smtpSpan, process), "the SMTP send is part of the delivery");
        Assert.Equal(SpanKind.Client, smtpSpan.Kind);

        // The worker's log records of the job carry the trace and, from the job scope, its id.
        var logs = await otlp.WaitForAsync(
            r => r.Logs.Where(l => l.TraceId == smtpSpan.TraceId && l.Service == "offload-worker").ToList(),
            records => records.Any(l => l.Attributes.GetValueOrDefault("JobId") == id && l.Body.Contains("sent", StringComparison.Ordinal)),
            Timeout);
        Assert.NotEmpty(logs);
        Assert.DoesNotContain("System.Collections.Generic.Dictionary", worker.Output.Text); // the WebJobs SDK's scopes, readable
        Assert.Contains($"Job {id}", worker.Output.Text);
    }

    [Fact]
    public async Task Video_IsOneTrace_FromTheUploadToTheEncode()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var otlp = OtlpReceiver.Start();
        await using var server = await ServerProcess.StartAsync(azurite.ConnectionString,
            new Dictionary<string, string>(otlp.Settings("offload"))
            {
                ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.200",
            }, true, "--queues", "heavy-compute");

        using var upload = await server.Http.PostVideoAsync(await File.ReadAllBytesAsync(await TestClips.PathOf(Clip.Silent)));
        var id = await upload.AcceptedIdAsync();

        var encode = (await otlp.WaitForAsync(r => r.Spans, spans => spans.Any(s => s.Name == "ffmpeg encode"), Timeout)).Single(s => s.Name == "ffmpeg encode");
        var trace = await otlp.WaitForAsync(
            r => r.Spans.Where(s => s.TraceId == encode.TraceId).ToList(),
            spans => spans.Any(s => s.Kind == SpanKind.Server) && spans.Any(s => s.Name == "process heavy-compute"), Timeout);
        var post = trace.Single(s => s.Kind == SpanKind.Server);
        var process = trace.Single(s => s.Name == "process heavy-compute");
        output.WriteLine($"{trace.Count} spans; {post.Name} -> {process.Name} -> {encode.Name} ({encode.Attributes.GetValueOrDefault("process.exit.code")})");
        Assert.Equal("POST /api/videos", post.Name);
        Assert.Equal(id, process.Attributes["offload.job.id"]);
        Assert.True(IsBelow(trace, process, post), "the delivery continues the upload's trace");
        Assert.Equal(process.SpanId, encode.ParentSpanId);
        Assert.Equal(("0", 0), (encode.Attributes["process.exit.code"], encode.StatusCode)); // 0: unset, not an error
    }

    [Fact]
    public async Task Metrics_CountJobsByKind_TimeThem_AndReportQueueDepth_WithTheConsoleInJson()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var mail = await MailDev.StartAsync();
        await using var otlp = OtlpReceiver.Start();
        await using var server = await ServerProcess.StartAsync(azurite.ConnectionString,
            new Dictionary<string, string>(otlp.Settings("offload"))
            {
                ["Email__SmtpPort"] = mail.SmtpPort.ToString(CultureInfo.InvariantCulture),
                ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.200",
                ["Logging__Console__FormatterName"] = "json",
            });

        using var response = await server.Http.PostAsJsonAsync("/api/emails", new { to = "metrics@example.com", template = "welcome", model = new { name = "Ada" } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        string[] expected = ["offload.jobs.started", "offload.jobs.succeeded", "offload.job.duration", "offload.job.queue_wait"];
        var metrics = await otlp.WaitForAsync(r => r.Metrics, points =>
            expected.All(name => points.Any(p => p.Name == name && p.Attributes.GetValueOrDefault("kind") == "email" && p.Value >= 1))
            && points.Any(p => p.Name == "offload.queue.depth" && p.Attributes.GetValueOrDefault("queue") == "high-priority"), Timeout);
        foreach (var point in metrics.Where(m => m.Name.StartsWith("offload.", StringComparison.Ordinal)).DistinctBy(m => (m.Name, string.Join(",", m.Attributes))))
            output.WriteLine($"  {point.Name} {{{string.Join(", ", point.Attributes.Select(a => $"{a.Key}={a.Value}"))}}} = {point.Value}");
        Assert.Equal("offload", metrics.First(m => m.Name == "offload.jobs.started").Service);
        Assert.Contains(metrics, m => m is { Name: "offload.job.duration" } && m.Attributes.GetValueOrDefault("status") == "succeeded");
        Assert.DoesNotContain(metrics, m => m.Name == "offload.jobs.failed" && m.Value > 0);

        // Logging__Console__FormatterName=json: one JSON object a line, the job's scope as a field.
        var sent = await WaitForLineAsync(server, line => line.Contains("\"EventId\":3101", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(sent);
        Assert.Contains(json.RootElement.GetProperty("Scopes").EnumerateArray(),
            scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("JobId", out var job) && job.GetString() == id);
        Assert.All(server.Output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => JsonDocument.Parse(line).Dispose());
    }

    private static bool IsBelow(IReadOnlyList<ExportedSpan> trace, ExportedSpan span, ExportedSpan ancestor)
    {
        for (var current = span; current.ParentSpanId != "";)
        {
            if (current.ParentSpanId == ancestor.SpanId)
                return true;
            if (trace.FirstOrDefault(s => s.SpanId == current.ParentSpanId) is not { } parent)
                return false;
            current = parent;
        }

        return false;
    }

    private static async Task<string> WaitForLineAsync(ServerProcess server, Func<string, bool> match)
    {
        for (var deadline = DateTime.UtcNow + Timeout; DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            if (server.Output.Text.Split('\n').FirstOrDefault(match) is { } line)
                return line;
        }

        throw new TimeoutException($"No such line in the server's output:\n{server.Output.Tail()}");
    }
}
