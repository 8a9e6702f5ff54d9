using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using AgentRuntime.Sandboxes.Local.Linux;
using AgentRuntime.Sandboxes.Local.Files;

namespace AgentRuntime.Sandboxes.Local;

/// <summary>
/// A sandbox on this machine: a directory with <c>workspace/</c> and <c>home/</c>, and processes started in it under
/// an explicit, minimal environment — under bubblewrap (see <see cref="Bubblewrap"/>) or, for development only,
/// directly on the host.
/// </summary>
internal sealed class LocalSandbox : ISandbox
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private const int CopyBufferSize = 81920;

    private readonly string _directory;
    private readonly string _workspaceDirectory;
    private readonly string _homeDirectory;
    private readonly LocalSandboxOptions _options;
    private readonly string? _bubblewrap;
    private readonly int? _hostUserId;
    private readonly ResourcePlan _plan;
    private readonly SandboxRequest _request;
    private readonly ConcurrentDictionary<int, LocalProcess> _processes = new();
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SandboxResources? _resources;
    private SandboxIdentity? _identity;
    private SandboxFileSystem? _workspaceFiles;
    private SandboxFileSystem? _homeFiles;

    public LocalSandbox(string id, string directory, LocalSandboxOptions options, string? bubblewrap, int? hostUserId, ResourcePlan plan, SandboxRequest request)
    {
        Id = id;
        _directory = directory;
        _options = options;
        _bubblewrap = bubblewrap;
        _hostUserId = hostUserId;
        _plan = plan;
        _request = request;
        _workspaceDirectory = Path.Combine(directory, "workspace");
        _homeDirectory = Path.Combine(directory, "home");
        WorkspacePath = bubblewrap is null ? _workspaceDirectory : Bubblewrap.WorkspacePath;
        HomePath = bubblewrap is null ? _homeDirectory : Bubblewrap.HomePath;
    }

    public string Id { get; }

    public string WorkspacePath { get; }

    public string HomePath { get; }

    public Uri? ModelProxyUrl => _resources?.ModelProxyUrl;

    public Uri? EgressProxyUrl => _resources?.EgressProxyUrl;

    /// <summary>How often the sandbox hit its memory limit.</summary>
    public long MemoryLimitHits => _resources?.MemoryLimitHits ?? 0;

    public Task Terminated => _terminated.Task;

    /// <summary>The host processes this sandbox started and that are still running.</summary>
    public IReadOnlyCollection<int> ProcessIds => _processes.Keys.ToList();

    public void Create()
    {
        // Left over from a process that did not shut down cleanly; the runtime restores what it persisted.
        SandboxResources.RemoveLeftovers(_directory);
        _resources = SandboxResources.Create(Id, _directory, _plan, _request.Network, _request.Bridge);
        Directory.CreateDirectory(_workspaceDirectory);
        Directory.CreateDirectory(_homeDirectory);
        if (!OperatingSystem.IsWindows())
        {
            // Sandbox users may pass through to their own workspace and home, but not list the sandbox directory.
            File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);
        }
        GiveToSandboxUser(_workspaceDirectory);
        GiveToSandboxUser(_homeDirectory);
        if (_request.Layer is { Writable: true } layer)
        {
            // What the runtime put there before the build (a bundled server's files) becomes the builder's to install into.
            SandboxLayers.GiveTo(layer.Directory, _hostUserId);
        }

        _identity = new SandboxIdentity(
            _workspaceDirectory,
            _homeDirectory,
            _hostUserId,
            _resources.NetworkNamespacePath,
            _resources.ShareHostNetwork,
            _resources.CgroupProcessFiles,
            Path.Combine(_options.RuntimeDirectory, "stage"),
            _request.Layer);
        _workspaceFiles = new SandboxFileSystem(_workspaceDirectory, _hostUserId);
        _homeFiles = new SandboxFileSystem(_homeDirectory, _hostUserId);
    }

    public Task<ISandboxProcess> StartProcessAsync(SandboxProcessSpec spec, CancellationToken cancellationToken)
    {
        ThrowIfTerminated();
        cancellationToken.ThrowIfCancellationRequested();
        if (Path.IsPathRooted(spec.Command) && !File.Exists(spec.Command))
        {
            // Under bubblewrap a missing program would only show as exit code 127 from inside; say it plainly here.
            throw new SandboxException($"Could not start '{spec.Command}': no such file.");
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = DefaultPath,
            ["HOME"] = HomePath,
            ["LANG"] = "C.UTF-8",
            ["TERM"] = "dumb",
            ["TMPDIR"] = "/tmp",
            ["USER"] = "agent",
        };
        if (_request.Layer is { } layer)
        {
            foreach (var (name, value) in layer.Environment)
            {
                environment[name] = value;
            }

            if (layer.BinDirectories.Count > 0)
            {
                environment["PATH"] = string.Join(':', layer.BinDirectories.Append(DefaultPath));
            }
        }

        if (EgressProxyUrl is { } proxy)
        {
            // Tools read either spelling; the model proxy is on loopback and must be reached directly.
            foreach (var name in new[] { "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy" })
            {
                environment[name] = proxy.ToString().TrimEnd('/');
            }

            environment["NO_PROXY"] = environment["no_proxy"] = "127.0.0.1,localhost,::1";
        }

        foreach (var (name, value) in spec.Environment)
        {
            environment[name] = value;
        }

        var startInfo = _bubblewrap is null ? DirectStartInfo(spec, environment, WorkspacePath) : Bubblewrap.CreateStartInfo(_bubblewrap, _identity!, spec, environment, _options);
        startInfo.RedirectStandardInput = true;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        if (_bubblewrap is not null)
        {
            // bubblewrap gets exactly the variables above through --setenv; setpriv and bwrap themselves get none.
            startInfo.Environment.Clear();
        }

        var process = LocalProcess.Start(startInfo);
        _processes[process.ProcessId] = process;
        _ = process.Exited.ContinueWith(_ => _processes.TryRemove(process.ProcessId, out var _), TaskScheduler.Default);
        return Task.FromResult<ISandboxProcess>(process);
    }

    // The file operations run synchronously on the caller's thread: each is a handful of syscalls, made with the
    // thread's fsuid switched to the sandbox user (SandboxFileSystem), which no await may carry to another thread.
    public Task<byte[]?> ReadFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Files(root).ReadAll(relativePath, Array.MaxLength));
    }

    public Task WriteFileAsync(SandboxRoot root, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Files(root).Write(relativePath, content.Span);
        return Task.CompletedTask;
    }

    public Task<Stream?> OpenReadAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Files(root).OpenRead(relativePath));
    }

    public Task<SandboxFileRange?> ReadFileRangeAsync(SandboxRoot root, string relativePath, long offset, int maxBytes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Files(root).ReadRange(relativePath, offset, maxBytes));
    }

    public async Task WriteFileAsync(SandboxRoot root, string relativePath, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();

        // BeginWrite does the path work under the sandbox user's identity; the copy into the open temporary file then
        // needs none, so it can await the source without holding a thread. Replacing by rename keeps a reader of the
        // old file from ever seeing a half-written one.
        using var pending = Files(root).BeginWrite(relativePath);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long offset = 0;
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await RandomAccess.WriteAsync(pending.File, buffer.AsMemory(0, read), offset, cancellationToken).ConfigureAwait(false);
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        pending.Commit();
    }

    public Task<bool> DeleteFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Files(root).Delete(relativePath));
    }

    public Task<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Files(root).List(relativeDirectory, ScanLimits.Default).Files);
    }

    public Task<SandboxFileScan> ScanFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var limits = ScanLimits.Default;
        var scan = Files(root).List(relativeDirectory, limits);
        var reached = new List<string>();
        AddIf(ScanLimit.Files, $"more than {limits.MaxFiles:N0} files");
        AddIf(ScanLimit.Entries, $"more than {limits.MaxEntries:N0} entries");
        AddIf(ScanLimit.Depth, $"directories deeper than {limits.MaxDepth} levels");
        AddIf(ScanLimit.PathLength, $"paths longer than {limits.MaxPathLength:N0} bytes");
        return Task.FromResult(new SandboxFileScan(scan.Files, reached));

        void AddIf(ScanLimit limit, FormattableString text)
        {
            if (scan.LimitsReached.HasFlag(limit))
            {
                reached.Add(FormattableString.Invariant(text));
            }
        }
    }

    public Task<bool> CheckHealthAsync(CancellationToken cancellationToken) =>
        Task.FromResult(!_terminated.Task.IsCompleted && Directory.Exists(_workspaceDirectory) && Directory.Exists(_homeDirectory));

    public async Task TerminateAsync(CancellationToken cancellationToken)
    {
        if (!_terminated.TrySetResult())
        {
            return;
        }

        await Task.WhenAll(_processes.Values.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
        _processes.Clear();
        if (_request.Layer is { Writable: true } layer)
        {
            // Every process of the sandbox is gone (bubblewrap's pid namespace ends with its first process), so nothing
            // can change the tree while it is sealed.
            SandboxLayers.Seal(layer.Directory, _hostUserId is not null);
        }

        _workspaceFiles?.Dispose();
        _homeFiles?.Dispose();
        if (_resources is not null)
        {
            await _resources.DisposeAsync().ConfigureAwait(false);
        }

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

    private static ProcessStartInfo DirectStartInfo(SandboxProcessSpec spec, Dictionary<string, string> environment, string workspace)
    {
        var startInfo = new ProcessStartInfo(spec.Command) { WorkingDirectory = spec.WorkingDirectory ?? workspace, UseShellExecute = false };
        foreach (var argument in spec.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        return startInfo;
    }

    private void GiveToSandboxUser(string path)
    {
        if (_hostUserId is int uid)
        {
            UnixFiles.ChangeOwner(path, uid, uid);
        }
    }

    private SandboxFileSystem Files(SandboxRoot root)
    {
        ThrowIfTerminated();
        return (root == SandboxRoot.Workspace ? _workspaceFiles : _homeFiles)
            ?? throw new InvalidOperationException($"Sandbox {Id} was not created.");
    }

    private void ThrowIfTerminated()
    {
        if (_terminated.Task.IsCompleted)
        {
            throw new SandboxException($"Sandbox {Id} is terminated.");
        }
    }
}
