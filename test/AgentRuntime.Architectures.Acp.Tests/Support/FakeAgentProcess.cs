using System.IO.Pipes;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Acp.Tests.Support;

/// <summary>A sandbox process whose standard streams are a <see cref="FakeAcpAgent"/>'s, with a writable standard error.</summary>
internal sealed class FakeAgentProcess : ISandboxProcess
{
    private readonly AnonymousPipeServerStream _stderrWriter = new(PipeDirection.Out);
    private readonly AnonymousPipeClientStream _stderr;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FakeAgentProcess(FakeAcpAgent agent)
    {
        Agent = agent;
        _stderr = new AnonymousPipeClientStream(PipeDirection.In, _stderrWriter.ClientSafePipeHandle);
    }

    public FakeAcpAgent Agent { get; }

    public int ProcessId => 4242;

    public Stream StandardInput => Agent.ClientOutput;

    public Stream StandardOutput => Agent.ClientInput;

    public Stream StandardError => _stderr;

    public Task<int> Exited => _exited.Task;

    public bool Killed { get; private set; }

    public async Task WriteStderrAsync(string line)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(line + "\n");
        await _stderrWriter.WriteAsync(bytes, TestContext.Current.CancellationToken);
        await _stderrWriter.FlushAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Exits with <paramref name="code"/>: its output and standard error close.</summary>
    public void Exit(int code)
    {
        Agent.CloseOutput();
        _stderrWriter.Dispose();
        _exited.TrySetResult(code);
    }

    public void Kill()
    {
        Killed = true;
        Exit(137);
    }

    public async ValueTask DisposeAsync()
    {
        Exit(137);
        _stderr.Dispose();
        await Agent.DisposeAsync();
    }
}
