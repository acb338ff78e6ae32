namespace Offload.Server.Queues;

/// <summary>
/// The application's logger factory as the WebJobs SDK's job hosts see it. The SDK opens its scopes (the function,
/// the invocation id) with a plain <see cref="Dictionary{TKey,TValue}"/>, which the console prints as its type name,
/// <c>System.Collections.Generic.Dictionary`2[…]</c>, on every line of a delivery, the handlers' own lines included.
/// Here each such scope becomes one that prints its fields, <c>FunctionName:WorkQueueTrigger InvocationId:…</c>; the
/// JSON console and OpenTelemetry read the same fields as before.
/// </summary>
public sealed class ReadableScopes(ILoggerFactory application) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(application.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => application.AddProvider(provider);

    /// <summary>The application owns its factory: a job host that stops (and restarts) leaves it alone.</summary>
    public void Dispose()
    {
    }

    private sealed class Logger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => state switch
        {
            // The SDK's scope of a logger's own category and level says only what the line's header says.
            IDictionary<string, object?> fields when fields.Keys.All(Fields.Repeated.Contains) => null,
            IDictionary<string, object?> fields => inner.BeginScope(new Fields(fields)),
            _ => inner.BeginScope(state),
        };

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }

    /// <summary>The same fields, with a <see cref="ToString"/> for people.</summary>
    private sealed class Fields(IDictionary<string, object?> fields) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?>[] _fields = [.. fields];

        public KeyValuePair<string, object?> this[int index] => _fields[index];

        public int Count => _fields.Length;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_fields).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Render(_fields);

        // What the line already says (its category and level) or what is the same on every line (the SDK's static
        // event name, the host id), left out of the text; the structured fields keep them.
        public static readonly HashSet<string> Repeated = ["Category", "LogLevel", "MS_Event", "MS_HostInstanceId"];

        private static string Render(IEnumerable<KeyValuePair<string, object?>> fields) =>
            string.Join(' ', fields.Where(f => !Repeated.Contains(f.Key)).Select(f => f.Value switch
            {
                IDictionary<string, object?> nested => Render(nested),
                IDictionary<string, string> nested => Render(nested.Select(n => new KeyValuePair<string, object?>(n.Key, n.Value))),
                var value => $"{(f.Key.StartsWith("MS_", StringComparison.Ordinal) ? f.Key[3..] : f.Key)}:{value}",
            }));
    }
}
