using System.Diagnostics;
using System.Text.RegularExpressions;
using AgentRuntime.Testing;

namespace AgentRuntime.Server.Tests.Support;

/// <summary>
/// The runnable host as a process of its own (the apphost built beside the tests), so a test can kill it with
/// SIGKILL the way a crash or an OOM kill would, and start another on the same data directory.
/// </summary>
internal sealed partial class HostProcess : IAsyncDisposable
{
    private readonly Process _process;

    private HostProcess(Process process, Uri baseAddress, string adminKey)
    {
        _process = process;
        BaseAddress = baseAddress;
        AdminKey = adminKey;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = RunningServer.Timeout };
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
    }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    /// <summary>The admin key the requests of <see cref="Http"/> carry.</summary>
    public string AdminKey { get; }

    /// <summary>The host's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the process has ended (killed, or exited on its own).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts the host on <paramref name="dataDirectory"/>; <paramref name="settings"/> (configuration keys such as
    /// <c>AgentRuntime:Store</c>) are given as environment variables. The admin key is the one the host made at its first
    /// start in that directory, unless <paramref name="adminKey"/> gives one (a node of a cluster sharing a store whose
    /// key another node made).
    /// </summary>
    public static async Task<HostProcess> StartAsync(string dataDirectory, ScriptedModelServer model, IReadOnlyDictionary<string, string>? settings = null, string? adminKey = null)
    {
        var startInfo = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "AgentRuntime.Host"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        startInfo.ArgumentList.Add("--urls");
        startInfo.ArgumentList.Add("http://127.0.0.1:0");
        startInfo.Environment["AgentRuntime__DataDirectory"] = dataDirectory;
        startInfo.Environment["AgentRuntime__Claude__ApiKey"] = "sk-ant-test-key";
        startInfo.Environment["AgentRuntime__Claude__BaseUrl"] = model.BaseUrl;
        startInfo.Environment["Logging__LogLevel__Default"] = "Warning";
        startInfo.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(startInfo)!;
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(RunningServer.Timeout);
        var output = new Queue<string>();
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            output.Enqueue(line);
            if (output.Count > 40)
            {
                output.Dequeue();
            }

            if (ListeningOn().Match(line) is { Success: true } match)
            {
                _ = DrainAsync(process.StandardOutput);
                adminKey ??= (await File.ReadAllTextAsync(Path.Combine(dataDirectory, "admin.key"), deadline.Token)).Trim();
                return new HostProcess(process, new Uri(match.Groups[1].Value), adminKey);
            }
        }

        await process.WaitForExitAsync(deadline.Token);
        throw new InvalidOperationException($"The host exited with {process.ExitCode} before it listened:\n{string.Join('\n', output)}\n{await errors}");
    }

    /// <summary>SIGKILL: no shutdown, no cleanup, exactly as a crash.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync().WaitAsync(RunningServer.Timeout);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            // SIGTERM: a graceful stop, which ends the sandboxes and releases their mounts and cgroups.
            _ = kill(_process.Id, 15);
            try
            {
                await _process.WaitForExitAsync().WaitAsync(RunningServer.Timeout);
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
                throw;
            }
        }

        _process.Dispose();
    }

    private static async Task DrainAsync(StreamReader output)
    {
        while (await output.ReadLineAsync() is not null)
        {
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code, which this test project does not otherwise need.
    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
#pragma warning restore SYSLIB1054

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();
}
