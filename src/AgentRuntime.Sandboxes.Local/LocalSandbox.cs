using System.Collections.Concurrent;
using System.Diagnostics;

namespace AgentRuntime.Sandboxes.Local;

/// <summary>
/// A sandbox that is a directory on this machine: <c>workspace/</c> and <c>home/</c>, with processes started in it
/// under an explicit, minimal environment. It does not isolate processes from the host by itself.
/// </summary>
internal sealed class LocalSandbox : ISandbox
{
    // The whole environment a sandboxed process starts from; the server's own variables (and secrets) never pass.
    private static readonly string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private readonly string _directory;
    private readonly ConcurrentDictionary<int, LocalProcess> _processes = new();
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LocalSandbox(string id, string directory)
    {
        Id = id;
        _directory = directory;
        WorkspacePath = Path.Combine(directory, "workspace");
        HomePath = Path.Combine(directory, "home");
    }

    public string Id { get; }

    public string WorkspacePath { get; }

    public string HomePath { get; }

    public Task Terminated => _terminated.Task;

    public void Create()
    {
        if (Directory.Exists(_directory))
        {
            // Left over from a process that did not shut down cleanly; the runtime restores what it persisted.
            Directory.Delete(_directory, recursive: true);
        }

        Directory.CreateDirectory(WorkspacePath);
        Directory.CreateDirectory(HomePath);
    }

    public Task<ISandboxProcess> StartProcessAsync(SandboxProcessSpec spec, CancellationToken cancellationToken)
    {
        ThrowIfTerminated();
        cancellationToken.ThrowIfCancellationRequested();
        var startInfo = new ProcessStartInfo(spec.Command)
        {
            WorkingDirectory = spec.WorkingDirectory ?? WorkspacePath,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in spec.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Clear();
        startInfo.Environment["PATH"] = DefaultPath;
        startInfo.Environment["HOME"] = HomePath;
        startInfo.Environment["LANG"] = "C.UTF-8";
        startInfo.Environment["TERM"] = "dumb";
        foreach (var (name, value) in spec.Environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = LocalProcess.Start(startInfo);
        _processes[process.ProcessId] = process;
        _ = process.Exited.ContinueWith(_ => _processes.TryRemove(process.ProcessId, out var _), TaskScheduler.Default);
        return Task.FromResult<ISandboxProcess>(process);
    }

    public async Task<byte[]?> ReadFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken)
    {
        var path = Resolve(root, relativePath);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false) : null;
    }

    public async Task WriteFileAsync(SandboxRoot root, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ThrowIfTerminated();
        var path = Resolve(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 4096, useAsync: true);
        await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken)
    {
        var rootPath = RootPath(root);
        var directory = SandboxPaths.Resolve(rootPath, relativeDirectory);
        if (!Directory.Exists(directory))
        {
            return Task.FromResult<IReadOnlyList<SandboxFileEntry>>([]);
        }

        // Symbolic links are skipped: following one could read outside the sandbox.
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        var files = new DirectoryInfo(directory).EnumerateFiles("*", options)
            .Select(f => new SandboxFileEntry(SandboxPaths.ToRelative(rootPath, f.FullName), f.Length, f.LastWriteTimeUtc))
            .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult<IReadOnlyList<SandboxFileEntry>>(files);
    }

    public Task<bool> CheckHealthAsync(CancellationToken cancellationToken) =>
        Task.FromResult(!_terminated.Task.IsCompleted && Directory.Exists(WorkspacePath) && Directory.Exists(HomePath));

    public async Task TerminateAsync(CancellationToken cancellationToken)
    {
        if (!_terminated.TrySetResult())
        {
            return;
        }

        await Task.WhenAll(_processes.Values.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
        _processes.Clear();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }

    public ValueTask DisposeAsync() => new(TerminateAsync(CancellationToken.None));

    private string RootPath(SandboxRoot root) => root == SandboxRoot.Workspace ? WorkspacePath : HomePath;

    private string Resolve(SandboxRoot root, string relativePath) => SandboxPaths.Resolve(RootPath(root), relativePath);

    private void ThrowIfTerminated()
    {
        if (_terminated.Task.IsCompleted)
        {
            throw new SandboxException($"Sandbox {Id} is terminated.");
        }
    }
}
