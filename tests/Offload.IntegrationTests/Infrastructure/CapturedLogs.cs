using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Offload.IntegrationTests.Infrastructure;

/// <summary>Keeps every log line the application writes in-process, with its scopes, for assertions.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private readonly AsyncLocal<ImmutableScopes?> _scopes = new();

    public IReadOnlyCollection<LogEntry> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    public sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyList<string> Scopes, Exception? Exception = null);

    private sealed record ImmutableScopes(string Scope, ImmutableScopes? Parent);

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable BeginScope<TState>(TState state) where TState : notnull
        {
            var previous = owner._scopes.Value;
            owner._scopes.Value = new ImmutableScopes(state.ToString() ?? "", previous);
            return new Pop(() => owner._scopes.Value = previous);
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<string>();
            for (var s = owner._scopes.Value; s is not null; s = s.Parent)
                scopes.Add(s.Scope);
            owner._entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), scopes, exception));
        }
    }

    private sealed class Pop(Action pop) : IDisposable
    {
        public void Dispose() => pop();
    }
}
