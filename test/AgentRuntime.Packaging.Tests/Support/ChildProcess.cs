using System.Diagnostics;

namespace AgentRuntime.Packaging.Tests.Support;

/// <summary>
/// Runs a tool (dotnet, npm, node) with its output going to a log file rather than a pipe: `dotnet` leaves build servers
/// behind that inherit its standard streams, and a pipe they hold open would never end.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process, string logPath)
    {
        _process = process;
        LogPath = logPath;
    }

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Log => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    /// <summary>Starts <paramref name="command"/> in <paramref name="workingDirectory"/>, standard output and error into <paramref name="logPath"/>.</summary>
    public static ChildProcess Start(string command, IEnumerable<string> arguments, string workingDirectory, string logPath, IReadOnlyDictionary<string, string?>? environment = null)
    {
        // The shell only redirects and then becomes the command (exec), so the process's id is the command's. Bash, not
        // sh: dash drops environment variables whose names are not a shell's, such as Logging__LogLevel__Microsoft.Hosting.Lifetime.
        var startInfo = new ProcessStartInfo("/bin/bash") { WorkingDirectory = workingDirectory, UseShellExecute = false };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add("exec \"$0\" \"$@\" >\"$AGENT_RUNTIME_TEST_LOG\" 2>&1 </dev/null");
        startInfo.ArgumentList.Add(command);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // The test host runs under `dotnet test`, whose MSBuild settings must not steer a build of another project.
        foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            startInfo.Environment.Remove(name);
        }

        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["AGENT_RUNTIME_TEST_LOG"] = logPath;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            startInfo.Environment[name] = value;
        }

        return new ChildProcess(Process.Start(startInfo)!, logPath);
    }

    /// <summary>Runs a command to its end and fails, with its log, unless it exits with 0 within <paramref name="timeout"/>.</summary>
    public static async Task<string> RunAsync(string command, IEnumerable<string> arguments, string workingDirectory, string logPath, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var list = arguments.ToList();
        await using var process = Start(command, list, workingDirectory, logPath, environment);
        await process.WaitForExitAsync(timeout);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{command} {string.Join(' ', list)}` in {workingDirectory} exited with {process.ExitCode}:\n{Tail(process.Log)}");
        }

        return process.Log;
    }

    /// <summary>Waits for the process to end; kills it and fails when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The process did not end within {timeout}:\n{Tail(Log)}");
        }
    }

    /// <summary>Waits until the log has a line that <paramref name="match"/> picks a value from, and returns the value.</summary>
    public async Task<string> WaitForLogAsync(Func<string, string?> match, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var value = Log.Split('\n').Select(match).FirstOrDefault(v => v is not null);
            if (value is not null)
            {
                return value;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The process exited with {_process.ExitCode} first:\n{Tail(Log)}");
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No such line within {timeout}:\n{Tail(Log)}");
            }
        }
    }

    /// <summary>SIGTERM, as a service manager stops an app, then waits; kills it when it does not stop in time.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _ = kill(_process.Id, 15);
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private static string Tail(string log) => log.Length <= 6000 ? log : "…" + log[^6000..];

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code, which this test project does not otherwise need.
    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
#pragma warning restore SYSLIB1054
}
