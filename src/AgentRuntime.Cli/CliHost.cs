using AgentRuntime.Client;
using Spectre.Console;

namespace AgentRuntime.Cli;

/// <summary>
/// What a run of the client reads from and writes to: the terminal, the environment, the Ctrl-C key. The program gives
/// the real ones; tests give a <c>TestConsole</c>, an empty environment and a key they press themselves.
/// </summary>
internal sealed class CliHost
{
    /// <summary>Standard output, for people (and, raw through its writer, for <c>--json</c> lines).</summary>
    public required IAnsiConsole Console { get; init; }

    /// <summary>Standard error, for errors and notices that must not mix with the output; the console when absent.</summary>
    public IAnsiConsole? ErrorConsole { get; init; }

    /// <summary>Opens standard output as bytes, for <c>files get</c> without <c>--output</c>.</summary>
    public Func<Stream> OpenStandardOutput { get; init; } = System.Console.OpenStandardOutput;

    /// <summary>Standard input, for <c>send ID -</c>.</summary>
    public TextReader StandardInput { get; init; } = System.Console.In;

    /// <summary>Reads the environment (<c>AGENT_RUNTIME_URL</c>, <c>AGENT_RUNTIME_API_KEY</c>).</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Whether a person can answer a prompt: an interactive terminal with a keyboard on standard input.</summary>
    public bool CanPrompt { get; init; }

    /// <summary>The Ctrl-C key.</summary>
    public CancelKeys CancelKeys { get; init; } = new();

    /// <summary>Adjusts the client's options after the command line set them (tests shorten the reconnect delays).</summary>
    public Action<AgentRuntimeClientOptions>? ConfigureClient { get; init; }

    /// <summary>Serializes writes: events, Ctrl-C notices and prompts come from different threads.</summary>
    public Lock OutputLock { get; } = new();

    /// <summary>Where errors go.</summary>
    public IAnsiConsole Errors => ErrorConsole ?? Console;

    /// <summary>Writes one line of JSON (or any text) as is, without Spectre's wrapping or markup.</summary>
    public void WriteRawLine(string line)
    {
        lock (OutputLock)
        {
            Console.Profile.Out.Writer.WriteLine(line);
            Console.Profile.Out.Writer.Flush();
        }
    }

    /// <summary>Writes an error line in red to standard error.</summary>
    public void WriteError(string message)
    {
        lock (OutputLock)
        {
            Errors.Write(new Text($"error: {message}", new Style(Color.Red)));
            Errors.WriteLine();
        }
    }

    /// <summary>Writes a notice line (dim) to standard error, where it stays out of piped output.</summary>
    public void WriteNotice(string message)
    {
        lock (OutputLock)
        {
            Errors.Write(new Text(message, new Style(decoration: Decoration.Dim)));
            Errors.WriteLine();
        }
    }
}
