using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AgentRuntime.Testing.Hosts;

/// <summary>
/// The runnable host as a process of its own (the apphost built beside the tests), so a test can kill it with
/// SIGKILL the way a crash or an OOM kill would, and start another on the same data directory. The apphost must be in
/// the running program's directory (a project reference to <c>AgentRuntime.Host</c> puts it there).
/// </summary>
public sealed partial class HostProcess : IAsyncDisposable
{
    /// <summary>How long a host may take to start or stop, and the timeout of <see cref="Http"/>'s requests.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;

    private HostProcess(Process process, Uri baseAddress, string adminKey)
    {
        _process = process;
        BaseAddress = baseAddress;
        AdminKey = adminKey;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout };
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
    }

    /// <summary>Where the host listens (loopback, a port of its choosing).</summary>
    public Uri BaseAddress { get; }

    /// <summary>A client of the host signed in with <see cref="AdminKey"/>.</summary>
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
    /// <param name="dataDirectory">The host's data directory (<c>AgentRuntime:DataDirectory</c>).</param>
    /// <param name="model">The scripted model the host's Claude Code CLI talks to.</param>
    /// <param name="settings">More configuration, as keys and values.</param>
    /// <param name="adminKey">The admin key to sign in with, when the host does not make its own.</param>
    /// <returns>The running host, listening.</returns>
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
        using var deadline = new CancellationTokenSource(Timeout);
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
        await _process.WaitForExitAsync().WaitAsync(Timeout);
    }

    /// <summary>SIGTERM, a graceful stop, waited for (SIGKILL of the tree if it takes longer than <see cref="Timeout"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            // SIGTERM: a graceful stop, which ends the sandboxes and releases their mounts and cgroups.
            _ = kill(_process.Id, 15);
            try
            {
                await _process.WaitForExitAsync().WaitAsync(Timeout);
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
