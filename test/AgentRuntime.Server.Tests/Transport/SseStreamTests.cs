using System.Net.Http.Headers;
using System.Net.Http.Json;
using AgentRuntime.Server.Tests.Support;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Server.Tests.Transport;

/// <summary>The SSE event stream's own life: how it ends when its client goes away.</summary>
public sealed class SseStreamTests : ServerTest
{
    private readonly RequestLogs _logs = new();

    internal override void ConfigureHost(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder)
    {
        builder.Logging.AddProvider(_logs);
        builder.Logging.AddFilter<RequestLogs>(null, LogLevel.Information);
    }

    [Fact]
    public async Task Stream_ClientGoesAwayWhileWaitingForEvents_EndsWithoutAnError()
    {
        var ct = TestContext.Current.CancellationToken;
        var session = await Server.CreateSessionAsync();
        // One event in the log (the budget's metadata), so that receiving it shows the server waiting for the next.
        (await Server.Http.PatchAsJsonAsync($"/api/sessions/{session.SessionId}", new { budget = new { maxTokens = 1000 } }, ct)).EnsureSuccessStatusCode();

        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/api/sessions/{session.SessionId}/events?after=0"))
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await Server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            Assert.Equal("id: 1", await reader.ReadLineAsync(ct).AsTask().WaitAsync(RunningServer.Timeout, ct));
        }

        var finished = await _logs.WaitForAsync(m => m.Contains("Request finished", StringComparison.Ordinal) && m.Contains("/events", StringComparison.Ordinal), ct);
        Assert.DoesNotContain(_logs.Entries.Take(finished), e => e.Level >= LogLevel.Error);
    }

    /// <summary>The server's log entries in order, and a way to wait for one.</summary>
    private sealed class RequestLogs : ILoggerProvider
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

        private sealed class Logger(RequestLogs owner) : ILogger
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
}
