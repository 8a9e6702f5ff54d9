using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AgentRuntime.Architectures;
using AgentRuntime.Gateway;
using AgentRuntime.Hosting;
using AgentRuntime.Sandboxes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Profiles;

/// <summary>
/// Installs profiles' dependencies into layers (<see cref="DependencyLayerPlan"/>), each once: in a sandbox of its own,
/// through the profile's network (its egress allowlist names the registries), as hostile code is run — package install
/// scripts are code. A layer is kept under its hash with a marker written last, so a layer is either complete or rebuilt.
/// </summary>
internal sealed partial class DependencyLayers(
    ISandboxProvider sandboxes, ISandboxGateway? gateway, AgentRuntimeOptions runtimeOptions, DependencyLayerOptions options, ILogger<DependencyLayers> logger)
{
    /// <summary>The last bytes of an installer's output kept for the error that reports its failure.</summary>
    private const int OutputTailBytes = 8 * 1024;

    private readonly ConcurrentDictionary<string, Lazy<Task<DependencyLayer>>> _building = new(StringComparer.Ordinal);

    /// <summary>How layers are installed.</summary>
    public DependencyLayerOptions Options => options;

    /// <summary>Where layers are kept.</summary>
    public string Root => options.Directory is { Length: > 0 } configured
        ? Path.GetFullPath(configured)
        : Path.Combine(runtimeOptions.GetFullDataDirectory(), "layers");

    /// <summary>The profile's layer: the one already installed, or one installed now (once, however many sessions ask at once).</summary>
    /// <exception cref="AgentException">The installation failed (<c>dependency_install_failed</c>); the message holds the installer's output.</exception>
    public async Task<DependencyLayer> EnsureAsync(DependencyLayerPlan plan, CancellationToken cancellationToken)
    {
        if (TryGetInstalled(plan) is { } installed)
        {
            return installed;
        }

        var build = _building.GetOrAdd(plan.Hash, _ => new Lazy<Task<DependencyLayer>>(() => BuildAsync(plan)));
        try
        {
            // One session giving up does not stop a build another may be waiting for.
            return await build.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (build.Value.IsCompleted)
            {
                _building.TryRemove(KeyValuePair.Create(plan.Hash, build));
            }
        }
    }

    private DependencyLayer? TryGetInstalled(DependencyLayerPlan plan)
    {
        var directory = Path.Combine(Root, plan.Hash);
        return File.Exists(MarkerOf(directory)) && Directory.Exists(directory) ? DependencyLayer.Of(plan, directory, built: null) : null;
    }

    private async Task<DependencyLayer> BuildAsync(DependencyLayerPlan plan)
    {
        await Task.Yield();
        var directory = Path.Combine(Root, plan.Hash);
        if (TryGetInstalled(plan) is { } installed)
        {
            return installed;
        }

        var started = Stopwatch.GetTimestamp();
        Directory.CreateDirectory(Root);
        // Left by a build that did not finish (the server stopped midway): its marker was never written.
        SandboxLayerTree.Delete(directory);
        Directory.CreateDirectory(directory);
        LogInstalling(plan.Hash, plan.Describe());
        using var timeout = new CancellationTokenSource(options.InstallTimeout);
        try
        {
            WriteServerFiles(plan, directory);
            await InstallAsync(plan, directory, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            TryDelete(directory);
            var failure = ex switch
            {
                DependencyInstallException install => install.Message,
                OperationCanceledException when timeout.IsCancellationRequested => $"the installation took longer than {options.InstallTimeout}.",
                SandboxException or IOException or UnauthorizedAccessException => ex.Message,
                _ => throw new AgentException($"Installing the profile's dependencies failed unexpectedly: {ex.Message}", "dependency_install_failed", ex),
            };
            LogInstallFailed(plan.Hash, failure);
            throw new AgentException($"Installing the profile's dependencies ({plan.Describe()}) failed: {failure}", "dependency_install_failed", ex);
        }

        var took = Stopwatch.GetElapsedTime(started);
        await WriteMarkerAsync(plan, directory, took).ConfigureAwait(false);
        LogInstalled(plan.Hash, took.TotalSeconds);
        return DependencyLayer.Of(plan, directory, built: took);
    }

    // The servers' projects, written by the runtime before any installer runs; paths were validated with the profile.
    private static void WriteServerFiles(DependencyLayerPlan plan, string directory)
    {
        foreach (var server in plan.Servers)
        {
            var folder = Path.Combine(directory, DependencyLayer.ServersFolder, server.Name);
            foreach (var (relativePath, content) in server.Files)
            {
                var path = Path.GetFullPath(Path.Combine(folder, relativePath));
                if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new IOException($"bundledMCPs '{server.Name}': the file path '{relativePath}' leaves the server's folder.");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, content);
            }
        }
    }

    private async Task InstallAsync(DependencyLayerPlan plan, string directory, CancellationToken cancellationToken)
    {
        var steps = Steps(plan, directory).ToList();
        var refusals = new Refusals();
        var lease = plan.Network.UsesBridge && gateway is not null
            ? gateway.Open(new SandboxGatewayRequest { SessionId = $"layer-{plan.Hash}", Network = plan.Network, Observer = refusals })
            : null;
        try
        {
            var sandbox = await sandboxes.CreateAsync(new SandboxRequest
            {
                // The provider names the sandbox's directory after this id, which must be a GUID.
                SessionId = Guid.NewGuid().ToString(),
                Network = plan.Network,
                Bridge = lease,
                Layer = new SandboxLayer { Directory = directory, Writable = true },
            }, cancellationToken).ConfigureAwait(false);
            await using (sandbox.ConfigureAwait(false))
            {
                foreach (var step in steps)
                {
                    await RunAsync(sandbox, step, refusals.Describe, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            lease?.Dispose();
        }
    }

    private IEnumerable<InstallStep> Steps(DependencyLayerPlan plan, string directory)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // The sandbox's model proxy is on its loopback, so it tells tools to reach loopback directly; an installer has
            // no model to reach, and a registry on this machine's loopback is reached only through the egress proxy.
            ["NO_PROXY"] = "",
            ["no_proxy"] = "",
            ["npm_config_update_notifier"] = "false",
            ["npm_config_fund"] = "false",
            ["npm_config_audit"] = "false",
            ["PIP_NO_INPUT"] = "1",
            ["PIP_DISABLE_PIP_VERSION_CHECK"] = "1",
            ["PIP_NO_CACHE_DIR"] = "1",
        };
        if (plan.NpmRegistry is { } npmRegistry)
        {
            environment["npm_config_registry"] = npmRegistry;
        }

        if (plan.PipIndexUrl is { } pipIndex)
        {
            environment["PIP_INDEX_URL"] = pipIndex;
        }

        if (plan.Npm.Count > 0)
        {
            yield return new InstallStep("npm install", new SandboxProcessSpec
            {
                Command = "npm",
                Arguments = ["install", "--prefix", Path.Combine(directory, DependencyLayer.NpmFolder), "--no-save", .. plan.Npm],
                Environment = environment,
                WorkingDirectory = directory,
            });
        }

        if (plan.Pip.Count > 0)
        {
            yield return new InstallStep("pip install", new SandboxProcessSpec
            {
                Command = "python3",
                Arguments = ["-m", "pip", "install", "--target", Path.Combine(directory, DependencyLayer.PipFolder), "--no-warn-script-location", .. plan.Pip],
                Environment = environment,
                WorkingDirectory = directory,
            });
        }

        foreach (var server in plan.Servers)
        {
            yield return new InstallStep($"the install command of bundled MCP server '{server.Name}'", new SandboxProcessSpec
            {
                Command = "/bin/sh",
                Arguments = ["-c", server.InstallCommand!],
                Environment = environment,
                WorkingDirectory = Path.Combine(directory, DependencyLayer.ServersFolder, server.Name),
            });
        }
    }

    private static async Task RunAsync(ISandbox sandbox, InstallStep step, Func<string?> refusals, CancellationToken cancellationToken)
    {
        var process = await sandbox.StartProcessAsync(step.Spec, cancellationToken).ConfigureAwait(false);
        await using (process.ConfigureAwait(false))
        {
            await process.StandardInput.DisposeAsync().ConfigureAwait(false);
            var output = new OutputTail(OutputTailBytes);
            var reading = Task.WhenAll(output.ReadAsync(process.StandardOutput), output.ReadAsync(process.StandardError));
            int exitCode;
            try
            {
                exitCode = await process.Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
                await reading.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                throw;
            }

            if (exitCode != 0)
            {
                var denied = refusals() is { } hosts ? $" The sandbox's network refused {hosts}: allow the registry's host in the profile's network." : "";
                throw new DependencyInstallException($"{step.Title} exited with code {exitCode}.{denied}\n{output}");
            }
        }
    }

    private static async Task WriteMarkerAsync(DependencyLayerPlan plan, string directory, TimeSpan took)
    {
        var marker = MarkerOf(directory);
        var temporary = marker + ".tmp";
        using (var buffer = new MemoryStream())
        {
            using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                json.WriteStartObject();
                json.WriteString("hash", plan.Hash);
                json.WriteString("installed", plan.Describe());
                json.WriteString("installedAt", DateTimeOffset.UtcNow);
                json.WriteNumber("seconds", Math.Round(took.TotalSeconds, 3));
                json.WriteEndObject();
            }

            await File.WriteAllBytesAsync(temporary, buffer.ToArray()).ConfigureAwait(false);
        }

        // Written last and whole: a layer without its marker is one whose build did not finish.
        File.Move(temporary, marker, overwrite: true);
    }

    private static string MarkerOf(string directory) => directory + ".installed.json";

    private void TryDelete(string directory)
    {
        try
        {
            SandboxLayerTree.Delete(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogNotRemoved(directory, ex.Message);
        }
    }

    private sealed record InstallStep(string Title, SandboxProcessSpec Spec);

    /// <summary>The hosts the egress proxy refused during an installation, to name in its error.</summary>
    private sealed class Refusals : ISandboxGatewayObserver
    {
        private readonly ConcurrentDictionary<string, byte> _hosts = new(StringComparer.Ordinal);

        public string? Describe() => _hosts.IsEmpty ? null : string.Join(", ", _hosts.Keys.Order(StringComparer.Ordinal));

        public void OnEgressDenied(string host, int port) => _hosts.TryAdd($"{host}:{port}", 0);

        public void OnBudgetExceeded(ModelBudget budget, ModelUsage usage)
        {
        }
    }

    /// <summary>The last bytes of what a process wrote to stdout and stderr, as text.</summary>
    private sealed class OutputTail(int capacity)
    {
        private readonly Lock _lock = new();
        private readonly LinkedList<byte[]> _chunks = [];
        private int _length;

        public async Task ReadAsync(Stream stream)
        {
            var buffer = new byte[4096];
            int read;
            while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                lock (_lock)
                {
                    _chunks.AddLast(buffer[..read]);
                    _length += read;
                    while (_length - _chunks.First!.Value.Length >= capacity)
                    {
                        _length -= _chunks.First.Value.Length;
                        _chunks.RemoveFirst();
                    }
                }
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                var bytes = _chunks.SelectMany(c => c).ToArray();
                var text = Encoding.UTF8.GetString(bytes.AsSpan(Math.Max(0, bytes.Length - capacity)));
                return text.Trim();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Installing dependency layer {Hash} ({What})")]
    private partial void LogInstalling(string hash, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "Installed dependency layer {Hash} in {Seconds:0.0} s")]
    private partial void LogInstalled(string hash, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dependency layer {Hash} failed to install: {Failure}")]
    private partial void LogInstallFailed(string hash, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the unfinished dependency layer {Directory}: {Reason}")]
    private partial void LogNotRemoved(string directory, string reason);
}

/// <summary>An installed layer of a profile's dependencies, as sandboxes mount it.</summary>
/// <param name="Hash">Its name (<see cref="DependencyLayerPlan.Hash"/>).</param>
/// <param name="Built">How long installing it took, when it was installed just now; <see langword="null"/> when it was there.</param>
/// <param name="SandboxLayer">How sandboxes mount it: its directory (the same on the host and in sandboxes) and environment.</param>
/// <param name="BundledMcpFolders">The installed bundled MCP servers' folders, by name.</param>
internal sealed record DependencyLayer(string Hash, TimeSpan? Built, SandboxLayer SandboxLayer, IReadOnlyDictionary<string, string> BundledMcpFolders)
{
    public const string NpmFolder = "npm";
    public const string PipFolder = "python";
    public const string ServersFolder = "mcp";

    public static DependencyLayer Of(DependencyLayerPlan plan, string directory, TimeSpan? built)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var bin = new List<string>();
        if (plan.Npm.Count > 0)
        {
            environment["NODE_PATH"] = Path.Combine(directory, NpmFolder, "node_modules");
            bin.Add(Path.Combine(directory, NpmFolder, "node_modules", ".bin"));
        }

        if (plan.Pip.Count > 0)
        {
            environment["PYTHONPATH"] = Path.Combine(directory, PipFolder);
            bin.Add(Path.Combine(directory, PipFolder, "bin"));
        }

        var folders = plan.Servers.ToDictionary(s => s.Name, s => Path.Combine(directory, ServersFolder, s.Name), StringComparer.Ordinal);
        return new DependencyLayer(plan.Hash, built, new SandboxLayer { Directory = directory, Environment = environment, BinDirectories = bin }, folders);
    }
}

/// <summary>An install step failed; the message says which, with its output.</summary>
internal sealed class DependencyInstallException(string message) : Exception(message);
