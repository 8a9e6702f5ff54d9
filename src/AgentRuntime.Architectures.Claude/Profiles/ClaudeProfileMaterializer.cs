using System.Text;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Claude.Profiles;

/// <summary>
/// Writes a profile into the sandbox home before the CLI starts (<see cref="ClaudeHome"/>), at every start: what the
/// agent changed there since lasts no longer than its sandbox, and never reaches the next session.
/// </summary>
/// <remarks>
/// The home is the agent's and may hold anything, such as a link planted where a skill folder goes. Files are written
/// only through <see cref="ISandbox.WriteFileAsync(SandboxRoot, string, ReadOnlyMemory{byte}, CancellationToken)"/>,
/// which refuses a path through a link; what the runtime owns is first cleared by a process inside the sandbox, with
/// the agent's own rights, so that a planted link is removed (never followed: <c>rm</c> removes a link, not its
/// target) and the start goes on. A link the clearing could not remove still fails the start, naming the path.
/// </remarks>
internal static class ClaudeProfileMaterializer
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(30);

    // $1..: directories to unlink if they are links, up to "--"; then the paths the runtime owns, removed outright.
    private const string ClearScript = """
        while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do if [ -L "$1" ]; then rm -f -- "$1" || exit 1; fi; shift; done
        shift
        [ "$#" -eq 0 ] || rm -rf -- "$@"
        """;

    // Every path checked again as it is made executable: a regular file, not a link the agent swapped in meanwhile.
    private const string ChmodScript = """
        for f; do if [ -f "$f" ] && [ ! -L "$f" ]; then chmod 755 -- "$f" || exit 1; fi; done
        """;

    public static async Task WriteAsync(
        ISandbox sandbox, AgentProfile profile, IReadOnlyDictionary<string, string> secrets, IReadOnlyDictionary<string, string> installedServers, CancellationToken cancellationToken)
    {
        var files = ClaudeHome.Files(profile, sandbox.HomePath, secrets, installedServers);

        // The directories the files go in, shallowest first, so that a link is removed before anything below it is looked at.
        var directories = files
            .SelectMany(f => Parents(f.Path))
            .Concat(ClaudeHome.OwnedPaths.SelectMany(Parents))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(d => d.Count(c => c == '/'))
            .ToList();
        await RunAsync(sandbox, "clear the profile's files", ClearScript, [.. directories, "--", .. ClaudeHome.OwnedPaths], cancellationToken).ConfigureAwait(false);

        foreach (var file in files)
        {
            try
            {
                await sandbox.WriteFileAsync(SandboxRoot.Home, file.Path, Encoding.UTF8.GetBytes(file.Content), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ArgumentException or IOException)
            {
                throw new AgentException($"Could not write the profile's '~/{file.Path}' into the sandbox: {ex.Message}", "profile_write_failed", ex);
            }
        }

        if (files.Where(f => f.Executable).Select(f => f.Path).ToList() is { Count: > 0 } scripts)
        {
            await RunAsync(sandbox, "make the profile's scripts executable", ChmodScript, scripts, cancellationToken).ConfigureAwait(false);
        }
    }

    private static IEnumerable<string> Parents(string path)
    {
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            yield return path[..slash];
        }
    }

    private static async Task RunAsync(ISandbox sandbox, string what, string script, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var spec = new SandboxProcessSpec
        {
            Command = "/bin/sh",
            Arguments = ["-c", script, "agent-runtime", .. arguments],
            WorkingDirectory = sandbox.HomePath,
        };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ProcessTimeout);
        var process = await sandbox.StartProcessAsync(spec, deadline.Token).ConfigureAwait(false);
        await using (process.ConfigureAwait(false))
        {
            process.StandardInput.Close();
            var output = new StreamReader(process.StandardOutput).ReadToEndAsync(deadline.Token);
            var error = new StreamReader(process.StandardError).ReadToEndAsync(deadline.Token);
            int exitCode;
            try
            {
                exitCode = await process.Exited.WaitAsync(deadline.Token).ConfigureAwait(false);
                await Task.WhenAll(output, error).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new AgentException($"Could not {what} in the sandbox: it took longer than {ProcessTimeout.TotalSeconds:0} s.", "profile_write_failed");
            }

            if (exitCode != 0)
            {
                throw new AgentException($"Could not {what} in the sandbox (exit code {exitCode}): {(await error.ConfigureAwait(false)).Trim()}", "profile_write_failed");
            }
        }
    }
}
