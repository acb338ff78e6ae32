using Microsoft.Extensions.Logging;
using Offload.Server.Queues;

namespace Offload.Tests.Server;

public sealed class ReadableScopesTests
{
    private sealed class ScopeCapture : ILogger
    {
        public List<object> Scopes { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            Scopes.Add(state);
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }

    private sealed class Factory(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void TheWebJobsSdksDictionaryScope_PrintsItsFields_AndKeepsThemAll()
    {
        var capture = new ScopeCapture();
        var logger = new ReadableScopes(new Factory(capture)).CreateLogger("Function.SendEmailFunction");

        logger.BeginScope(new Dictionary<string, object>
        {
            ["MS_FunctionName"] = "SendEmailFunction",
            ["MS_FunctionInvocationId"] = "0121",
            ["MS_Event"] = "FunctionStart",
            ["MS_TriggerDetails"] = new Dictionary<string, string> { ["MessageId"] = "8c3a", ["DequeueCount"] = "1" },
        });

        var scope = Assert.Single(capture.Scopes);
        Assert.Equal("FunctionName:SendEmailFunction FunctionInvocationId:0121 MessageId:8c3a DequeueCount:1", scope.ToString());
        Assert.Equal(4, Assert.IsAssignableFrom<IReadOnlyList<KeyValuePair<string, object?>>>(scope).Count);
    }

    [Fact]
    public void AScopeOfOnlyTheLinesCategoryAndLevel_IsLeftOut()
    {
        var capture = new ScopeCapture();
        var logger = new ReadableScopes(new Factory(capture)).CreateLogger("Function.SendEmailFunction");

        using (logger.BeginScope(new Dictionary<string, object> { ["Category"] = "Function.SendEmailFunction", ["LogLevel"] = LogLevel.Information }))
            Assert.Empty(capture.Scopes);
    }

    [Fact]
    public void OtherScopes_PassAsTheyAre()
    {
        var capture = new ScopeCapture();
        var logger = new ReadableScopes(new Factory(capture)).CreateLogger("x");

        logger.BeginScope("Job {JobId}", "0193");

        Assert.Equal("Job 0193", Assert.Single(capture.Scopes).ToString());
    }
}
