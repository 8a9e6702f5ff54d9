using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Benchmarks.Interrupt;

/// <summary>
/// A logger provider that notes when the runtime logs the steps of an interrupt, stamped with
/// <see cref="Stopwatch.GetTimestamp"/> the moment the entry is written, on the thread that wrote it: the session taking
/// the request, the Claude Code connection writing the CLI's <c>interrupt</c> control request, the CLI's result read, the
/// hard stop and the CLI starting. Entries are told apart by their category and <c>[LoggerMessage]</c> method name (the event's name).
/// </summary>
internal sealed class InterruptLogMarks : ILoggerProvider
{
    private const string SessionActor = "AgentRuntime.Sessions.SessionActor";
    private const string Claude = "AgentRuntime.Architectures.Claude.ClaudeCodeArchitecture";

    private readonly List<Mark> _marks = [];

    /// <summary>The session logged that a client asked to interrupt (before it denies approvals and tells the agent).</summary>
    public static readonly (string Category, string Event) Interrupting = (SessionActor, "LogInterrupting");

    /// <summary>The Claude Code connection is about to write the <c>interrupt</c> control request to the CLI.</summary>
    public static readonly (string Category, string Event) InterruptSent = (Claude, "LogInterruptRequested");

    /// <summary>The connection read the turn's <c>result</c> line from the CLI.</summary>
    public static readonly (string Category, string Event) ResultRead = (Claude, "LogTurnFinished");

    /// <summary>The grace passed: the session cancelled the turn (the hard stop).</summary>
    public static readonly (string Category, string Event) Forced = (SessionActor, "LogInterruptForced");

    /// <summary>The CLI did not confirm a cancelled turn's interrupt and was killed.</summary>
    public static readonly (string Category, string Event) Killed = (Claude, "LogKilled");

    /// <summary>The session could not tell the agent to stop.</summary>
    public static readonly (string Category, string Event) NotSent = (SessionActor, "LogInterruptNotSent");

    /// <summary>Claude Code is being started (the session's first turn, or after the CLI was stopped).</summary>
    public static readonly (string Category, string Event) CliStarting = (Claude, "LogStarting");

    private static readonly (string Category, string Event)[] Watched = [Interrupting, InterruptSent, ResultRead, Forced, Killed, NotSent, CliStarting];

    /// <summary>The first mark of <paramref name="kind"/> stamped in [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public Mark? First((string Category, string Event) kind, long from, long to)
    {
        lock (_marks)
        {
            return _marks.FirstOrDefault(m => (m.Category, m.Event) == kind && m.Timestamp >= from && m.Timestamp <= to);
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    /// <param name="Message">The formatted entry (the result's subtype is in it).</param>
    internal sealed record Mark(string Category, string Event, long Timestamp, string Message);

    private sealed class Logger(InterruptLogMarks owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var timestamp = Stopwatch.GetTimestamp();
            if (eventId.Name is not { } name || !Watched.Contains((category, name)))
            {
                return;
            }

            lock (owner._marks)
            {
                owner._marks.Add(new Mark(category, name, timestamp, formatter(state, exception)));
            }
        }
    }
}
