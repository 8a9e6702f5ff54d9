using System.Text;
using AgentRuntime.Sandboxes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Architectures.Acp.Connection;

/// <summary>
/// An ACP agent's process in the sandbox: its standard error read all the time (so it never blocks on a full pipe)
/// into a tail that explains a crash, and a way to stop it that lets it finish writing its files first.
/// </summary>
internal sealed partial class AcpProcess : IAsyncDisposable
{
    // Bounds on waiting for an agent that should exit promptly; past them it is killed rather than waited for.
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(3);

    private readonly ISandboxProcess _process;
    private readonly string _agentName;
    private readonly string _sessionId;
    private readonly ILogger _logger;
    private readonly StderrTail _stderr = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _stderrPump;
    private int _disposed;

    public AcpProcess(ISandboxProcess process, string agentName, string sessionId, ILogger logger)
    {
        _process = process;
        _agentName = agentName;
        _sessionId = sessionId;
        _logger = logger;
        _stderrPump = Task.Run(PumpStderrAsync);
    }

    public Stream StandardInput => _process.StandardInput;

    public Stream StandardOutput => _process.StandardOutput;

    public Task<int> Exited => _process.Exited;

    public void Kill() => _process.Kill();

    /// <summary>Why the agent's output ended: its exit code, when it exits soon, and the tail of its standard error.</summary>
    public async Task<string> DescribeExitAsync(CancellationToken cancellationToken)
    {
        int? code = null;
        try
        {
            code = await _process.Exited.WaitAsync(ExitGrace, cancellationToken).ConfigureAwait(false);
            // Let the pump read what the process wrote last.
            await _stderrPump.WaitAsync(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Output closed but the process lingers, or its stderr stays open; report what is known.
        }

        var stderr = _stderr.Text();
        return new StringBuilder()
            .Append(_agentName).Append(code is null ? " closed its output" : $" exited with code {code}").Append(" before answering.")
            .Append(stderr is null ? " It wrote nothing to standard error." : $" Standard error ended with:\n{stderr}")
            .ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Closing standard input ends an ACP agent's connection, and it exits having written its session files.
        try
        {
            _process.StandardInput.Close();
            await _process.Exited.WaitAsync(ExitGrace).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or TimeoutException)
        {
            LogExitForced(_logger, _sessionId, _agentName);
        }

        await _process.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _stderrPump.WaitAsync(ExitGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The pipe is gone with the process.
        }

        _stopping.Dispose();
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            using var reader = new StreamReader(_process.StandardError, Encoding.UTF8);
            while (await reader.ReadLineAsync(_stopping.Token).ConfigureAwait(false) is { } line)
            {
                _stderr.Add(line);
                LogStderr(_logger, _sessionId, line);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Disposed, or the pipe broke with the process.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: stderr {Line}")]
    private static partial void LogStderr(ILogger logger, string sessionId, string line);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: {Agent} did not exit when its input closed; killing it")]
    private static partial void LogExitForced(ILogger logger, string sessionId, string agent);
}
