using System.Text;
using AgentRuntime.Cli;
using Spectre.Console;

Console.OutputEncoding = Encoding.UTF8;
var console = AnsiConsole.Console;
if (Console.IsOutputRedirected)
{
    // Piped output is read by programs: no wrapping at a guessed width.
    console.Profile.Width = 4096;
}

using var keys = new CancelKeys();
var presses = 0;
Console.CancelKeyPress += (_, e) =>
{
    // Handled here rather than ending the process: a command following a turn interrupts the turn first. A third press
    // ends the process the usual way, whatever the command is waiting for.
    e.Cancel = Interlocked.Increment(ref presses) < 3;
    keys.Press();
};

return await CliApp.RunAsync(args, new CliHost
{
    Console = console,
    ErrorConsole = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }),
    CanPrompt = !Console.IsInputRedirected && console.Profile.Capabilities.Interactive,
    CancelKeys = keys,
}, CancellationToken.None);
