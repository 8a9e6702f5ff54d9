using AgentRuntime.Client;
using Spectre.Console.Testing;

namespace AgentRuntime.Cli.Tests.Support;

/// <summary>
/// One run of the terminal client, in-process through <see cref="CliApp.RunAsync(IReadOnlyList{string}, CliHost, CancellationToken)"/>,
/// with test consoles for standard output and error, an empty environment, and a Ctrl-C key the test presses.
/// </summary>
internal sealed class CliRun
{
    private readonly CliHost _host;
    private readonly TestConsole _out;
    private readonly TestConsole _err;

    private CliRun(IReadOnlyList<string> args, bool interactive, string? keys, string? stdin, Action<AgentRuntimeClientOptions>? configureClient)
    {
        _out = new TestConsole().Width(200);
        _err = new TestConsole().Width(200);
        if (interactive)
        {
            _out.Interactive();
        }

        if (keys is not null)
        {
            _out.Input.PushTextWithEnter(keys);
        }

        _host = new CliHost
        {
            Console = _out,
            ErrorConsole = _err,
            GetEnvironmentVariable = _ => null,
            CanPrompt = interactive,
            ConfigureClient = configureClient,
            OpenStandardOutput = () => StandardOutputBytes,
            StandardInput = new StringReader(stdin ?? ""),
        };
        Completion = Task.Run(() => CliApp.RunAsync(args, _host, TestContext.Current.CancellationToken));
    }

    /// <summary>The exit code, once the run ends.</summary>
    public Task<int> Completion { get; }

    /// <summary>Standard output so far.</summary>
    public string Output => Read(_out);

    /// <summary>Standard error so far.</summary>
    public string Error => Read(_err);

    /// <summary>What the run wrote to standard output as bytes (<c>files get</c>).</summary>
    public MemoryStream StandardOutputBytes { get; } = new();

    /// <summary>Starts a run in the background.</summary>
    public static CliRun Start(
        IReadOnlyList<string> args, bool interactive = false, string? keys = null, string? stdin = null, Action<AgentRuntimeClientOptions>? configureClient = null) =>
        new(args, interactive, keys, stdin, configureClient);

    /// <summary>Runs to the end.</summary>
    public static async Task<CliRun> RunAsync(params string[] args)
    {
        var run = Start(args);
        await run.Completion.WaitAsync(RuntimeServer.Timeout, TestContext.Current.CancellationToken);
        return run;
    }

    /// <summary>Presses Ctrl-C.</summary>
    public void PressCtrlC() => _host.CancelKeys.Press();

    /// <summary>Waits until standard output contains <paramref name="text"/>, failing with what it has otherwise.</summary>
    public async Task WaitForOutputAsync(string text)
    {
        var deadline = DateTime.UtcNow + RuntimeServer.Timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (Completion.IsCompleted)
            {
                Assert.Fail($"The run ended ({await Completion}) without printing '{text}'.\nOutput:\n{Output}\nError:\n{Error}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"'{text}' was not printed.\nOutput:\n{Output}\nError:\n{Error}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The exit code, waiting for the end with a timeout.</summary>
    public Task<int> ExitCodeAsync() => Completion.WaitAsync(RuntimeServer.Timeout, TestContext.Current.CancellationToken);

    public override string ToString() => $"Output:\n{Output}\nError:\n{Error}";

    // The client writes under the host's output lock; reading under it too never sees a half-appended buffer.
    private string Read(TestConsole console)
    {
        lock (_host.OutputLock)
        {
            return console.Output;
        }
    }
}
