using System.Diagnostics;

namespace AgentRuntime.Sandboxes.Local;

/// <summary>A process started by the local sandbox; disposing it kills its whole tree.</summary>
internal sealed class LocalProcess : ISandboxProcess
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LocalProcess(Process process)
    {
        _process = process;
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => _exited.TrySetResult(SafeExitCode());
    }

    public int ProcessId => _process.Id;

    public Stream StandardInput => _process.StandardInput.BaseStream;

    public Stream StandardOutput => _process.StandardOutput.BaseStream;

    public Stream StandardError => _process.StandardError.BaseStream;

    public Task<int> Exited => _exited.Task;

    /// <summary>Starts <paramref name="startInfo"/>, which must redirect all three standard streams.</summary>
    public static LocalProcess Start(ProcessStartInfo startInfo)
    {
        var process = new Process { StartInfo = startInfo };
        var local = new LocalProcess(process);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new SandboxException($"Could not start '{startInfo.FileName}': {ex.Message}", ex);
        }

        // The process may have exited before Exited was wired to a started process.
        if (process.HasExited)
        {
            local._exited.TrySetResult(local.SafeExitCode());
        }

        return local;
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited: nothing to kill.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A process that ignores SIGKILL for 5 s is stuck in the kernel; do not hang disposal on it.
        }

        _process.Dispose();
    }

    private int SafeExitCode()
    {
        try
        {
            return _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }
}
