using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using static Offload.Testing.Protobuf;

namespace Offload.Testing;

/// <summary>A span as exported: ids in lower-case hex, <see cref="ParentSpanId"/> empty for a root; when it started and ended.</summary>
public sealed record ExportedSpan(
    string TraceId, string SpanId, string ParentSpanId, string Name, SpanKind Kind, string Service, string Scope,
    IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<string> LinkedSpanIds, int StatusCode,
    DateTimeOffset Start = default, DateTimeOffset End = default);

/// <summary>OTLP's span kinds (0 is unspecified).</summary>
public enum SpanKind { Unspecified, Internal, Server, Client, Producer, Consumer }

/// <summary>One data point of a metric: a sum's or gauge's value, a histogram's count.</summary>
public sealed record ExportedMetric(string Name, string Service, IReadOnlyDictionary<string, string> Attributes, double Value);

/// <summary>A log record as exported, with the trace it was written in (empty when none).</summary>
public sealed record ExportedLog(string TraceId, string SpanId, string Severity, string Body, string Service, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// A local OTLP/HTTP receiver (protobuf): an <see cref="HttpListener"/> on a free loopback port taking
/// <c>POST /v1/traces</c>, <c>/v1/metrics</c> and <c>/v1/logs</c>, as a collector would, and keeping what arrives.
/// <see cref="Settings"/> points a process's OpenTelemetry exporter at it, with short export intervals.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    private readonly ConcurrentQueue<ExportedSpan> _spans = new();
    private readonly ConcurrentQueue<ExportedMetric> _metrics = new();
    private readonly ConcurrentQueue<ExportedLog> _logs = new();
    private readonly ConcurrentQueue<string> _errors = new();

    private OtlpReceiver(int port)
    {
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        _listener.Prefixes.Add($"{Endpoint}");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public Uri Endpoint { get; }

    public IReadOnlyList<ExportedSpan> Spans => [.. _spans];
    public IReadOnlyList<ExportedMetric> Metrics => [.. _metrics];
    public IReadOnlyList<ExportedLog> Logs => [.. _logs];

    /// <summary>Requests that could not be read (a test fails on them rather than waiting for spans that never come).</summary>
    public IReadOnlyList<string> Errors => [.. _errors];

    public static OtlpReceiver Start() => new(ServerProcess.FreePort());

    /// <summary>The environment that sends a process's traces, metrics and logs here, named <paramref name="serviceName"/>.</summary>
    public Dictionary<string, string> Settings(string serviceName) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_SERVICE_NAME"] = serviceName,
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
    };

    /// <summary>Waits until <paramref name="done"/> holds for what has arrived, or fails at <paramref name="timeout"/> saying what did.</summary>
    public async Task<IReadOnlyList<T>> WaitForAsync<T>(Func<OtlpReceiver, IReadOnlyList<T>> select, Func<IReadOnlyList<T>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (!_errors.IsEmpty)
                throw new InvalidOperationException($"The OTLP receiver could not read a request: {string.Join("; ", _errors)}");
            var items = select(this);
            if (done(items))
                return items;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Not there after {timeout.TotalSeconds:0} s. Arrived: {items.Count}:\n{string.Join("\n", items.TakeLast(40))}");
            await Task.Delay(100);
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return; // stopped
            }

            using (context.Response)
            {
                try
                {
                    var body = await ReadBodyAsync(context.Request);
                    switch (context.Request.Url?.AbsolutePath)
                    {
                        case "/v1/traces":
                            ReadTraces(body);
                            break;
                        case "/v1/metrics":
                            ReadMetrics(body);
                            break;
                        case "/v1/logs":
                            ReadLogs(body);
                            break;
                        default:
                            context.Response.StatusCode = 404;
                            continue;
                    }

                    // An empty Export*ServiceResponse: everything accepted.
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "application/x-protobuf";
                }
                catch (Exception ex) when (ex is FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException or InvalidDataException or IOException)
                {
                    _errors.Enqueue($"{context.Request.Url?.AbsolutePath}: {ex.Message}");
                    context.Response.StatusCode = 400;
                }
            }
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpListenerRequest request)
    {
        var input = request.Headers["Content-Encoding"] == "gzip"
            ? new GZipStream(request.InputStream, CompressionMode.Decompress)
            : request.InputStream;
        await using (input)
        {
            using var buffer = new MemoryStream();
            await input.CopyToAsync(buffer);
            return buffer.ToArray();
        }
    }

    // ExportTraceServiceRequest: resource_spans 1 → { resource 1, scope_spans 2 → { scope 1, spans 2 } }
    private void ReadTraces(ReadOnlyMemory<byte> request)
    {
        foreach (var resourceSpans in Fields(request, 1))
        {
            var service = ServiceName(resourceSpans.Bytes);
            foreach (var scopeSpans in Fields(resourceSpans.Bytes, 2))
            {
                var scope = First(scopeSpans.Bytes, 1) is { } s ? First(s.Bytes, 1)?.String ?? "" : "";
                foreach (var span in Fields(scopeSpans.Bytes, 2))
                {
                    // Span: trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6, start_time_unix_nano 7, end_time_unix_nano 8,
                    // attributes 9, links 13 (span_id 2), status 15 (code 3)
                    var b = span.Bytes;
                    _spans.Enqueue(new ExportedSpan(
                        First(b, 1)?.Hex ?? "", First(b, 2)?.Hex ?? "", First(b, 4)?.Hex ?? "", First(b, 5)?.String ?? "",
                        (SpanKind)(int)(First(b, 6)?.Number64 ?? 0), service, scope, Attributes(Fields(b, 9)),
                        [.. Fields(b, 13).Select(link => First(link.Bytes, 2)?.Hex ?? "")],
                        First(b, 15) is { } status ? (int)(First(status.Bytes, 3)?.Number64 ?? 0) : 0,
                        FromUnixNanos(First(b, 7)?.Number64 ?? 0), FromUnixNanos(First(b, 8)?.Number64 ?? 0)));
                }
            }
        }
    }

    private static DateTimeOffset FromUnixNanos(ulong nanos) => DateTimeOffset.UnixEpoch.AddTicks((long)(nanos / 100));

    // ExportMetricsServiceRequest: resource_metrics 1 → { resource 1, scope_metrics 2 → { scope 1, metrics 2 } }
    private void ReadMetrics(ReadOnlyMemory<byte> request)
    {
        foreach (var resourceMetrics in Fields(request, 1))
        {
            var service = ServiceName(resourceMetrics.Bytes);
            foreach (var metric in Fields(resourceMetrics.Bytes, 2).SelectMany(scope => Fields(scope.Bytes, 2)))
            {
                // Metric: name 1, gauge 5 / sum 7 (data_points 1: attributes 7, as_double 4, as_int 6), histogram 9 (data_points 1: attributes 9, count 4)
                var name = First(metric.Bytes, 1)?.String ?? "";
                foreach (var data in Fields(metric.Bytes).Where(f => f.Number is 5 or 7 or 9))
                {
                    foreach (var point in Fields(data.Bytes, 1))
                    {
                        var value = data.Number == 9
                            ? First(point.Bytes, 4)?.Number64 ?? 0
                            : First(point.Bytes, 4) is { } asDouble ? asDouble.Double : (long)(First(point.Bytes, 6)?.Number64 ?? 0);
                        _metrics.Enqueue(new ExportedMetric(name, service, Attributes(Fields(point.Bytes, data.Number == 9 ? 9 : 7)), value));
                    }
                }
            }
        }
    }

    // ExportLogsServiceRequest: resource_logs 1 → { resource 1, scope_logs 2 → { scope 1, log_records 2 } }
    private void ReadLogs(ReadOnlyMemory<byte> request)
    {
        foreach (var resourceLogs in Fields(request, 1))
        {
            var service = ServiceName(resourceLogs.Bytes);
            foreach (var record in Fields(resourceLogs.Bytes, 2).SelectMany(scope => Fields(scope.Bytes, 2)))
            {
                // LogRecord: severity_text 3, body 5, attributes 6, trace_id 9, span_id 10
                var b = record.Bytes;
                _logs.Enqueue(new ExportedLog(
                    First(b, 9)?.Hex ?? "", First(b, 10)?.Hex ?? "", First(b, 3)?.String ?? "",
                    First(b, 5) is { } body ? AnyValue(body.Bytes) : "", service, Attributes(Fields(b, 6))));
            }
        }
    }

    /// <summary>The resource's (field 1; its attributes are field 1) <c>service.name</c>.</summary>
    private static string ServiceName(ReadOnlyMemory<byte> resourceSignals) =>
        First(resourceSignals, 1) is { } resource && Attributes(Fields(resource.Bytes, 1)).TryGetValue("service.name", out var name) ? name : "";

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }
}
