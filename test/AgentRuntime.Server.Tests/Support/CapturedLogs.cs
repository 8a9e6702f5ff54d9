using Microsoft.Extensions.Logging;

namespace AgentRuntime.Server.Tests.Support;

/// <summary>
/// A logger provider that keeps every entry the server logs (level and formatted message with its exception, in
/// order), to look in for what must or must not be there. Add it with <see cref="AddTo"/> from
/// <see cref="ServerTest.ConfigureHost"/>.
/// </summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly List<(LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IReadOnlyList<string> Messages => [.. Entries.Select(e => e.Message)];

    /// <summary>Captures the host's entries at <paramref name="minimum"/> and above, whatever the configured levels.</summary>
    public void AddTo(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder, LogLevel minimum)
    {
        builder.Logging.AddProvider(this);
        builder.Logging.AddFilter<CapturedLogs>(null, minimum);
    }

    /// <summary>Waits for an entry whose message matches; returns how many entries there were up to and with it.</summary>
    public async Task<int> WaitForAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + RunningServer.Timeout;
        while (true)
        {
            var index = Entries.ToList().FindIndex(e => match(e.Message));
            if (index >= 0)
            {
                return index + 1;
            }

            Assert.True(DateTime.UtcNow < deadline, "The log never showed the entry waited for.");
            await Task.Delay(20, cancellationToken);
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._entries)
            {
                owner._entries.Add((logLevel, $"{formatter(state, exception)} {exception}"));
            }
        }
    }
}
