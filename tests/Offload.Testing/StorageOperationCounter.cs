using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Offload.Testing;

/// <summary>
/// One storage request and its response, as <see cref="StorageOperationCounter"/> saw it pass. <see cref="Kind"/> names
/// the operation ("get messages", "point read", "put block", ...); <see cref="Messages"/> is how many messages a queue
/// Get Messages returned (0 = an empty poll), <see cref="Entities"/> how many rows a table query returned, and
/// <see cref="BatchOperations"/> how many operations a table $batch held.
/// </summary>
public sealed record StorageOperation(
    DateTimeOffset Time, string Tag, string Service, string Method, string Resource, string Kind, int Status,
    int? Messages, int? Entities, int BatchOperations, string Target);

/// <summary>
/// A counting HTTP proxy in front of one Azurite, for one process (<see cref="Tag"/>): a loopback listener per service
/// (blob, queue, table) that relays bytes unchanged both ways (SharedKey signatures cover the Host header and the body,
/// so nothing may be rewritten) and frames HTTP/1.1 on each connection to record every operation. Point the process at
/// <see cref="ConnectionString"/>. HttpClient never pipelines, so each response answers the oldest open request on its
/// connection.
/// </summary>
public sealed partial class StorageOperationCounter : IAsyncDisposable
{
    private readonly List<StorageOperation> _operations = [];
    private readonly List<Listener> _listeners;

    private StorageOperationCounter(Azurite azurite, string tag)
    {
        Tag = tag;
        _listeners =
        [
            new Listener(this, "blob", azurite.Ports.Blob),
            new Listener(this, "queue", azurite.Ports.Queue),
            new Listener(this, "table", azurite.Ports.Table),
        ];
        ConnectionString = azurite.ConnectionStringVia(_listeners[0].Port, _listeners[1].Port, _listeners[2].Port);
    }

    public string Tag { get; }

    /// <summary>Azurite's connection string with its three endpoints on this counter's ports.</summary>
    public string ConnectionString { get; }

    public static StorageOperationCounter Start(Azurite azurite, string tag) => new(azurite, tag);

    /// <summary>What was recorded so far, oldest first.</summary>
    public IReadOnlyList<StorageOperation> Operations
    {
        get
        {
            lock (_operations)
                return [.. _operations];
        }
    }

    private void Record(StorageOperation operation)
    {
        lock (_operations)
            _operations.Add(operation);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
            await listener.DisposeAsync();
    }

    /// <summary>
    /// The HTTP exchanges of one connection, fed the bytes each way as they pass (no I/O, so a test can feed it arrays).
    /// </summary>
    public sealed class Exchange(string tag, string service, Action<StorageOperation> record)
    {
        private readonly Framer _requests = new(isResponse: false);
        private readonly Framer _responses = new(isResponse: true);
        private readonly Queue<(DateTimeOffset Time, Message Request)> _open = new();
        private readonly Lock _lock = new();

        public void FromClient(ReadOnlySpan<byte> bytes)
        {
            lock (_lock)
            {
                foreach (var request in _requests.Feed(bytes, null))
                    _open.Enqueue((DateTimeOffset.UtcNow, request));
            }
        }

        public void FromServer(ReadOnlySpan<byte> bytes)
        {
            lock (_lock)
            {
                foreach (var response in _responses.Feed(bytes, () => _open.TryPeek(out var next) ? next.Request.Method : null))
                    Complete(response);
            }
        }

        /// <summary>The connection closed: a response framed by the end of the connection is complete now.</summary>
        public void Closed()
        {
            lock (_lock)
            {
                if (_responses.Close() is { } response)
                    Complete(response);
            }
        }

        private void Complete(Message response)
        {
            if (response.Status is >= 100 and < 200 || !_open.TryDequeue(out var request))
                return; // an interim response (100 Continue) answers nothing yet
            record(Classify(request.Time, tag, service, request.Request, response));
        }
    }

    /// <summary>One HTTP message: its first line and headers, and its body (decoded from chunks; at most <see cref="Framer.BodyKept"/> bytes kept).</summary>
    private sealed record Message(string StartLine, IReadOnlyDictionary<string, string> Headers, byte[] Body)
    {
        public string Method => StartLine.Split(' ')[0];

        public string Target => StartLine.Split(' ').ElementAtOrDefault(1) ?? "";

        public int Status => int.TryParse(StartLine.Split(' ').ElementAtOrDefault(1), out var status) ? status : 0;
    }

    /// <summary>Splits one direction of a connection into HTTP/1.1 messages: Content-Length, chunked, or (responses) to the end.</summary>
    private sealed class Framer(bool isResponse)
    {
        // Enough for a table $batch and a Get Messages response; block uploads are counted, not kept.
        public const int BodyKept = 1 << 20;

        private enum State { Head, Body, ChunkSize, ChunkData, ChunkEnd, Trailers, ToEnd }

        private readonly List<byte> _line = [];
        private readonly MemoryStream _body = new();
        private State _state = State.Head;
        private long _remaining;
        private string _head = "";

        public List<Message> Feed(ReadOnlySpan<byte> bytes, Func<string?>? requestMethod)
        {
            var done = new List<Message>();
            while (!bytes.IsEmpty)
            {
                switch (_state)
                {
                    case State.Body or State.ChunkData or State.ToEnd:
                        var take = _state == State.ToEnd ? bytes.Length : (int)Math.Min(_remaining, bytes.Length);
                        Keep(bytes[..take]);
                        bytes = bytes[take..];
                        _remaining -= take;
                        if (_state == State.Body && _remaining == 0)
                            done.Add(Finish());
                        else if (_state == State.ChunkData && _remaining == 0)
                            _state = State.ChunkEnd;
                        break;
                    default:
                        var b = bytes[0];
                        bytes = bytes[1..];
                        _line.Add(b);
                        if (b != '\n')
                            break;
                        if (Step(requestMethod) is { } message)
                            done.Add(message);
                        break;
                }
            }

            return done;
        }

        /// <summary>The connection ended: a response that runs to the end of the connection is complete.</summary>
        public Message? Close() => _state == State.ToEnd ? Finish() : null;

        // A line (up to and with its \n) has arrived in _line, in one of the line-based states.
        private Message? Step(Func<string?>? requestMethod)
        {
            var line = Encoding.Latin1.GetString([.. _line]).TrimEnd('\r', '\n');
            _line.Clear();
            switch (_state)
            {
                case State.Head when line.Length > 0:
                    _head += line + "\n";
                    return null;
                case State.Head:
                    return _head.Length == 0 ? null : StartBody(requestMethod); // a stray blank line before a message is skipped
                case State.ChunkSize:
                    _remaining = Convert.ToInt64(line.Split(';')[0].Trim(), 16);
                    _state = _remaining == 0 ? State.Trailers : State.ChunkData;
                    return null;
                case State.ChunkEnd:
                    _state = State.ChunkSize;
                    return null;
                default: // State.Trailers: until an empty line
                    return line.Length == 0 ? Finish() : null;
            }
        }

        private Message? StartBody(Func<string?>? requestMethod)
        {
            var parsed = Parsed(_head);
            var headers = parsed.Headers;
            var noBody = isResponse && (parsed.Status is >= 100 and < 200 or 204 or 304 || requestMethod?.Invoke() == "HEAD");
            if (noBody)
                return Finish();
            if (headers.TryGetValue("transfer-encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                _state = State.ChunkSize;
                return null;
            }

            if (headers.TryGetValue("content-length", out var length))
            {
                _remaining = long.Parse(length, System.Globalization.CultureInfo.InvariantCulture);
                if (_remaining == 0)
                    return Finish();
                _state = State.Body;
                return null;
            }

            if (!isResponse)
                return Finish();
            _state = State.ToEnd;
            return null;
        }

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            var room = BodyKept - (int)_body.Length;
            if (room > 0)
                _body.Write(bytes[..Math.Min(room, bytes.Length)]);
        }

        private Message Finish()
        {
            var message = Parsed(_head) with { Body = _body.ToArray() };
            (_head, _state, _remaining) = ("", State.Head, 0);
            _body.SetLength(0);
            return message;
        }

        private static Message Parsed(string head)
        {
            var lines = head.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                    headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }

            return new Message(lines.FirstOrDefault() ?? "", headers, []);
        }
    }

    private static StorageOperation Classify(DateTimeOffset time, string tag, string service, Message request, Message response)
    {
        var target = request.Target;
        var (path, query) = target.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? (target[..q], target[(q + 1)..]) : (target, "");
        var parameters = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .GroupBy(p => WebUtility.UrlDecode(p[0]).ToLowerInvariant())
            .ToDictionary(g => g.Key, g => WebUtility.UrlDecode(g.First().ElementAtOrDefault(1) ?? ""));
        var comp = parameters.GetValueOrDefault("comp");
        // Azurite puts the account first in the path: /devstoreaccount1/<queue|table|container>/...
        var segments = Uri.UnescapeDataString(path).Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray();
        var first = segments.FirstOrDefault() ?? "";
        var method = request.Method;

        var (resource, kind, batch, messages, entities) = (first, "other", 0, (int?)null, (int?)null);
        switch (service)
        {
            case "queue":
                kind = (method, segments.Length, segments.ElementAtOrDefault(1)) switch
                {
                    ("POST", 2, "messages") => "put message",
                    ("GET", 2, "messages") when parameters.GetValueOrDefault("peekonly") == "true" => "peek",
                    ("GET", 2, "messages") => "get messages",
                    ("DELETE", 2, "messages") => "clear messages",
                    ("DELETE", 3, "messages") => "delete message",
                    ("PUT", 3, "messages") => "update message",
                    ("PUT", 1, _) when comp == "metadata" => "set metadata",
                    ("PUT", 1, _) => "create queue",
                    ("GET" or "HEAD", 1, _) when comp == "metadata" => "get metadata",
                    ("GET", 0, _) when comp == "list" => "list queues",
                    _ => "other",
                };
                if (kind == "get messages")
                    messages = QueueMessage().Count(Encoding.UTF8.GetString(response.Body));
                break;
            case "table":
                if (first == "$batch")
                {
                    var operations = BatchOperation().Matches(Encoding.UTF8.GetString(request.Body));
                    batch = operations.Count;
                    resource = operations.Count == 0 ? "?" : TableOf(Uri.TryCreate(operations[0].Groups["url"].Value, UriKind.Absolute, out var url)
                        ? url.AbsolutePath : operations[0].Groups["url"].Value);
                    kind = "transaction";
                    break;
                }

                resource = TableOf(Uri.UnescapeDataString(path));
                var row = first.Contains("PartitionKey=", StringComparison.Ordinal);
                var conditional = request.Headers.ContainsKey("If-Match");
                kind = method switch
                {
                    "GET" when first.Equals("Tables", StringComparison.OrdinalIgnoreCase) => "list tables",
                    "POST" when first.Equals("Tables", StringComparison.OrdinalIgnoreCase) => "create table",
                    "GET" when row => "point read",
                    "GET" => "query",
                    "POST" => "insert",
                    "PUT" => conditional ? "update" : "upsert",
                    "MERGE" or "PATCH" => conditional ? "merge" : "merge upsert",
                    "DELETE" => "delete",
                    _ => "other",
                };
                if (kind == "query")
                    entities = Entity().Count(Encoding.UTF8.GetString(response.Body));
                break;
            default:
                var isBlob = segments.Length > 1;
                var headers = request.Headers;
                kind = method switch
                {
                    "PUT" when comp == "lease" => "lease",
                    "PUT" when comp == "block" => "put block",
                    "PUT" when comp == "blocklist" => "put block list",
                    "PUT" when !isBlob && parameters.GetValueOrDefault("restype") == "container" && comp is null => "create container",
                    "PUT" when headers.ContainsKey("x-ms-copy-source") => "copy",
                    "PUT" when comp is not null => "set " + comp,
                    "PUT" => "put blob",
                    "GET" when comp == "list" => "list",
                    "GET" when isBlob && (headers.ContainsKey("Range") || headers.ContainsKey("x-ms-range")) => "get blob (ranged)",
                    "GET" when isBlob && comp is null => "get blob",
                    "HEAD" => "get properties",
                    "GET" when comp is null => "get properties",
                    "DELETE" => "delete",
                    _ => "other",
                };
                break;
        }

        return new StorageOperation(time, tag, service, method, resource, kind, response.Status, messages, entities, batch, $"{method} {target}");
    }

    // "jobs(PartitionKey='a',RowKey='b')" or "jobs()" -> "jobs"
    private static string TableOf(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).FirstOrDefault()?.Split('(')[0] ?? "";

    [GeneratedRegex("<QueueMessage>")]
    private static partial Regex QueueMessage();

    // Every entity of a query's JSON answer names its partition once.
    [GeneratedRegex("\"PartitionKey\"\\s*:")]
    private static partial Regex Entity();

    // The request line of each operation inside a $batch's changeset.
    [GeneratedRegex(@"^(GET|POST|PUT|MERGE|PATCH|DELETE) (?<url>\S+) HTTP/1\.1\r?$", RegexOptions.Multiline)]
    private static partial Regex BatchOperation();

    /// <summary>One service's listener: a relay per connection, each with its <see cref="Exchange"/>.</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly StorageOperationCounter _counter;
        private readonly string _service;
        private readonly IPEndPoint _target;
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;

        public Listener(StorageOperationCounter counter, string service, int targetPort)
        {
            (_counter, _service, _target) = (counter, service, new IPEndPoint(IPAddress.Loopback, targetPort));
            _listener.Start();
            _accepting = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    _ = Task.Run(() => RelayAsync(client));
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
            }
        }

        private async Task RelayAsync(TcpClient client)
        {
            using var upstream = new TcpClient();
            var exchange = new Exchange(_counter.Tag, _service, _counter.Record);
            try
            {
                await upstream.ConnectAsync(_target, _stop.Token);
                var (down, up) = (client.GetStream(), upstream.GetStream());
                await Task.WhenAny(PumpAsync(down, up, exchange.FromClient), PumpAsync(up, down, exchange.FromServer));
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // the connection ended
            }
            finally
            {
                exchange.Closed();
                client.Close();
            }
        }

        private delegate void Seen(ReadOnlySpan<byte> bytes);

        private async Task PumpAsync(NetworkStream from, NetworkStream to, Seen seen)
        {
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                // Framed before it is forwarded: a request is on record before its response can come back.
                seen(buffer.AsSpan(0, read));
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }
    }
}
