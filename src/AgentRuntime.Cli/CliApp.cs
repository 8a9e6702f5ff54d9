using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using AgentRuntime.Cli.Commands;
using AgentRuntime.Client;
using Spectre.Console;

namespace AgentRuntime.Cli;

/// <summary>
/// The terminal client's entry point: parses the command line, runs the command against the server and returns the
/// exit code (<see cref="ExitCodes"/>). The program calls it with the real terminal; tests call it in-process with a
/// <c>TestConsole</c>.
/// </summary>
internal static class CliApp
{
    /// <summary>Runs a command line with <paramref name="console"/> as the terminal and the process's environment.</summary>
    public static Task<int> RunAsync(IReadOnlyList<string> args, IAnsiConsole console, CancellationToken cancellationToken) =>
        RunAsync(args, new CliHost { Console = console }, cancellationToken);

    /// <summary>Runs a command line with everything it reads and writes given by <paramref name="host"/>.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var options = new GlobalOptions(host);
        var root = CommandTree.Build(host, options);
        var parse = root.Parse(args);
        var invocation = new InvocationConfiguration
        {
            Output = host.Console.Profile.Out.Writer,
            Error = host.Errors.Profile.Out.Writer,
            // The commands handle Ctrl-C themselves (CancelKeys): the first press interrupts a turn rather than exiting.
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };

        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, host.CancelKeys.Token);
        try
        {
            var code = await parse.InvokeAsync(invocation, run.Token).ConfigureAwait(false);
            return parse.Errors.Count > 0 ? ExitCodes.Usage : code;
        }
        catch (CliUsageException ex)
        {
            host.WriteError(ex.Message);
            return ExitCodes.Usage;
        }
        catch (CliFailureException ex)
        {
            host.WriteError(ex.Message);
            return ExitCodes.Failure;
        }
        catch (AgentRuntimeApiException ex)
        {
            host.WriteError(Explain(ex));
            return ExitCodes.Failure;
        }
        catch (HttpRequestException ex)
        {
            host.WriteError($"cannot reach the server at {parse.GetValue(options.Url)}: {Describe(ex)}");
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
        catch (ArgumentException ex) when (ex.ParamName == "path")
        {
            // The client refuses a workspace path with . or .. segments before it leaves.
            host.WriteError(ex.Message);
            return ExitCodes.Failure;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            host.WriteError(ex.Message);
            return ExitCodes.Failure;
        }
    }

    private static string Explain(AgentRuntimeApiException ex)
    {
        var message = ex.Detail ?? ex.Message;
        return ex.StatusCode switch
        {
            HttpStatusCode.Unauthorized =>
                $"{message} Give an API key with --api-key or AGENT_RUNTIME_API_KEY (the server writes its admin key to <DataDirectory>/admin.key).",
            HttpStatusCode.TooManyRequests when ex.RetryAfter is { } wait => $"{message} Try again in {Math.Ceiling(wait.TotalSeconds)} s.",
            _ when ex.Errors.Count > 0 => $"{message}{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", ex.Errors)}",
            _ => message,
        };
    }

    private static string Describe(HttpRequestException ex) =>
        ex.InnerException is SocketException socket ? socket.Message : ex.Message;
}
