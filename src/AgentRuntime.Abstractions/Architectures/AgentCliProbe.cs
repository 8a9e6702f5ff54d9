using System.Diagnostics;

namespace AgentRuntime.Architectures;

/// <summary>Runs an agent CLI's <c>--version</c> on the host, to tell a CLI that is there from one that runs.</summary>
public static class AgentCliProbe
{
    /// <summary>How long the CLI may take to print its version.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// <paramref name="found"/> when it says the architecture cannot run; otherwise whether its CLI at
    /// <paramref name="cliPath"/> runs (<see cref="IAgentArchitecture.ProbeAsync"/> for a CLI-based architecture).
    /// </summary>
    public static async Task<ArchitectureAvailability> ProbeAsync(ArchitectureAvailability found, string? cliPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(found);
        if (!found.Available || cliPath is null)
        {
            return found;
        }

        var (_, failure) = await VersionAsync(cliPath, cancellationToken).ConfigureAwait(false);
        return found with { Available = failure is null, Reason = failure };
    }

    /// <summary>The version the CLI printed, or why it does not run.</summary>
    public static async Task<(string? Version, string? Failure)> VersionAsync(string cliPath, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(cliPath)
        {
            ArgumentList = { "--version" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (null, $"'{cliPath}' does not start: {ex.Message}");
        }

        using (process)
        {
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                var (text, errors) = (await output.ConfigureAwait(false), await error.ConfigureAwait(false));
                return process.ExitCode == 0 && text.Trim() is { Length: > 0 } version
                    ? (version.Split('\n')[0].Trim(), null)
                    : (null, $"'{cliPath} --version' exited with code {process.ExitCode}: {Tail(errors.Length > 0 ? errors : text)}");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return (null, $"'{cliPath} --version' did not answer within {Timeout.TotalSeconds:0} s.");
            }
        }
    }

    private static string Tail(string text) => text.Trim() is { Length: > 300 } trimmed ? "…" + trimmed[^300..] : text.Trim();
}
