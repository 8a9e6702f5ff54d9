using System.Globalization;
using System.Text;
using AgentRuntime.Sandboxes.Modal.Protocol;

namespace AgentRuntime.Sandboxes.Modal;

// Files are read and written by short commands inside the sandbox (POSIX sh and coreutils, as in any image), each an
// exec with its data on stdin or stdout. They run with the sandbox's own rights, in a machine that is the agent's
// alone: unlike a local sandbox there is no host behind its paths to protect, so a link planted by the agent leads only
// to what the agent can read anyway. Paths are still checked to stay below their root, and links are not followed.
internal sealed partial class ModalSandbox
{
    private const int Missing = 3;
    private const int Link = 5;

    // Exits 5 when $1 is, or goes through, a symbolic link: refused as a bad path, as a local sandbox refuses it.
    private const string NoLinks = """set -f; p=; IFS=/; for c in $1; do p="${p:+$p/}$c"; [ -L "$p" ] && exit 5; done; IFS=' '; """;

    // $1 the path. Only a regular file.
    private const string ReadScript = NoLinks + """[ -f "$1" ] || exit 3; exec cat -- "$1" """;

    // $1 the path, $2 the offset, $3 the most bytes: the length on a line, then the bytes.
    private const string ReadRangeScript = NoLinks + """[ -f "$1" ] || exit 3; wc -c < "$1"; tail -c +$(($2 + 1)) -- "$1" | head -c "$3" """;

    // $1 the path: written to a temporary file beside it, then renamed over it, so a reader never sees half a file
    // and a link planted at the name is replaced, not followed.
    private const string WriteScript = NoLinks + """d=$(dirname -- "$1"); mkdir -p -- "$d" && t="$d/.agent-runtime-$$.tmp" && cat > "$t" && mv -f -- "$t" "$1" """;

    private const string DeleteScript = NoLinks + """[ -e "$1" ] || exit 3; [ -d "$1" ] && exit 4; rm -f -- "$1" """;

    // Regular files only (find does not follow links), as path NUL size NUL mtime NUL.
    private const string ListScript = NoLinks + """[ -d "$1" ] || exit 0; cd -- "$1" && exec find . -maxdepth 64 -type f -printf '%P\0%s\0%T@\0' """;

    public async Task<byte[]?> ReadFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken)
    {
        var result = await RunScriptAsync(ReadScript, root, [CheckPath(relativePath)], null, cancellationToken).ConfigureAwait(false);
        return result.Code == Missing ? null : result.Ok("read", relativePath).Stdout;
    }

    public async Task<SandboxFileRange?> ReadFileRangeAsync(SandboxRoot root, string relativePath, long offset, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var result = await RunScriptAsync(
            ReadRangeScript, root,
            [CheckPath(relativePath), offset.ToString(CultureInfo.InvariantCulture), maxBytes.ToString(CultureInfo.InvariantCulture)],
            null, cancellationToken).ConfigureAwait(false);
        if (result.Code == Missing)
        {
            return null;
        }

        var output = result.Ok("read", relativePath).Stdout;
        var newline = Array.IndexOf(output, (byte)'\n');
        if (newline < 0 || !long.TryParse(Encoding.ASCII.GetString(output, 0, newline).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            throw new SandboxException($"Reading {relativePath} in sandbox {Id} gave no length.");
        }

        return new SandboxFileRange(output.AsMemory(newline + 1), length);
    }

    public async Task WriteFileAsync(SandboxRoot root, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var result = await RunScriptAsync(WriteScript, root, [CheckPath(relativePath)], content, cancellationToken).ConfigureAwait(false);
        result.Ok("write", relativePath);
    }

    public async Task<bool> DeleteFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken)
    {
        var result = await RunScriptAsync(DeleteScript, root, [CheckPath(relativePath)], null, cancellationToken).ConfigureAwait(false);
        if (result.Code == Missing)
        {
            return false;
        }

        result.Ok("delete", relativePath);
        return true;
    }

    public async Task<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken)
    {
        var directory = relativeDirectory.Length == 0 ? "." : CheckPath(relativeDirectory);
        var output = (await RunScriptAsync(ListScript, root, [directory], null, cancellationToken).ConfigureAwait(false)).Ok("list", relativeDirectory).Stdout;
        var fields = Encoding.UTF8.GetString(output).Split('\0');
        var prefix = directory == "." ? "" : directory.TrimEnd('/') + "/";
        var entries = new List<SandboxFileEntry>();
        for (var i = 0; i + 2 < fields.Length; i += 3)
        {
            var seconds = double.Parse(fields[i + 2], NumberStyles.Float, CultureInfo.InvariantCulture);
            entries.Add(new SandboxFileEntry(
                prefix + fields[i],
                long.Parse(fields[i + 1], NumberStyles.None, CultureInfo.InvariantCulture),
                DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))));
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return entries;
    }

    /// <summary>A path relative to a root that cannot leave it: not absolute, no <c>..</c>, no NUL.</summary>
    private static string CheckPath(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        if (relativePath.Length == 0 || relativePath[0] == '/' || relativePath.Contains('\0', StringComparison.Ordinal)
            || relativePath.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw new ArgumentException($"'{relativePath}' is not a path below the sandbox's root.", nameof(relativePath));
        }

        return relativePath;
    }

    private async Task<ScriptResult> RunScriptAsync(string script, SandboxRoot root, IReadOnlyList<string> arguments, ReadOnlyMemory<byte>? input, CancellationToken cancellationToken)
    {
        ThrowIfTerminated();
        var execId = Guid.NewGuid().ToString();
        var request = new TaskExecStartRequest
        {
            TaskId = _router.TaskId,
            ExecId = execId,
            StdoutConfig = TaskExecStdoutConfig.Pipe,
            StderrConfig = TaskExecStderrConfig.Pipe,
            Workdir = root == SandboxRoot.Workspace ? Workspace : Home,
        };
        request.CommandArgs.AddRange(["/bin/sh", "-c", script, "sh"]);
        request.CommandArgs.AddRange(arguments);
        await _router.StartAsync(request, cancellationToken).ConfigureAwait(false);

        await using var process = new ModalProcess(_router, execId);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var reading = Task.WhenAll(process.StandardOutput.CopyToAsync(stdout, cancellationToken), process.StandardError.CopyToAsync(stderr, cancellationToken));
        if (input is { } content && content.Length > 0)
        {
            await process.StandardInput.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        }

        await process.StandardInput.DisposeAsync().ConfigureAwait(false);
        await reading.ConfigureAwait(false);
        var code = await process.Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new ScriptResult(this, code, stdout.ToArray(), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    private readonly record struct ScriptResult(ModalSandbox Sandbox, int Code, byte[] Stdout, string Stderr)
    {
        public ScriptResult Ok(string what, string path) => Code switch
        {
            0 => this,
            Link => throw new ArgumentException($"The path '{path}' is or goes through a symbolic link; links in a sandbox are not followed.", nameof(path)),
            4 => throw new ArgumentException($"The path '{path}' is a directory.", nameof(path)),
            _ => throw new SandboxException($"Could not {what} '{path}' in sandbox {Sandbox.Id} (exit {Code}): {Stderr.Trim()}"),
        };
    }
}
