using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AgentRuntime.Sandboxes.Local.Linux;

/// <summary>
/// What a local sandbox holds on the host besides its processes: the tmpfs its directory lives on (the disk quota),
/// its cgroups (memory and process limits), and its network — its own namespace with the bridge's listeners, or a
/// model listener on the host's loopback for a sandbox that shares the host network. Made in that order and released
/// in the reverse one.
/// </summary>
internal sealed class SandboxResources : IAsyncDisposable
{
    /// <summary>The model proxy's port inside a sandbox's own network namespace.</summary>
    public const int ModelPort = 4780;

    /// <summary>The egress proxy's port inside a sandbox's own network namespace.</summary>
    public const int EgressPort = 4781;

    private readonly string _directory;
    private bool _mounted;
    private SandboxCgroup? _cgroup;
    private NetworkNamespace? _namespace;
    private readonly List<BridgeListener> _listeners = [];

    private SandboxResources(string directory) => _directory = directory;

    public string? NetworkNamespacePath => _namespace?.Path;

    public bool ShareHostNetwork { get; private set; }

    public IReadOnlyList<string> CgroupProcessFiles => _cgroup?.ProcessFiles.ToList() ?? [];

    public Uri? ModelProxyUrl { get; private set; }

    public Uri? EgressProxyUrl { get; private set; }

    /// <summary>How often the sandbox hit its memory limit.</summary>
    public long MemoryLimitHits => _cgroup?.MemoryLimitHits ?? 0;

    /// <summary>Removes what a sandbox that did not shut down cleanly left at <paramref name="directory"/>.</summary>
    public static void RemoveLeftovers(string directory)
    {
        if (Environment.IsPrivilegedProcess && Directory.Exists(directory))
        {
            LinuxInterop.Unmount(directory);
        }

        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Makes the directory (on its own tmpfs when <paramref name="plan"/> has a quota), cgroups and network.</summary>
    public static SandboxResources Create(string name, string directory, ResourcePlan plan, SandboxNetworkPolicy network, ISandboxBridge? bridge)
    {
        var resources = new SandboxResources(directory);
        try
        {
            Directory.CreateDirectory(directory);
            if (plan.DiskQuota)
            {
                var options = string.Create(CultureInfo.InvariantCulture, $"size={plan.DiskBytes},nr_inodes={plan.DiskFiles},mode=0711");
                LinuxInterop.MountTmpfs(directory, options);
                resources._mounted = true;
            }

            if (plan.Cgroups)
            {
                resources._cgroup = SandboxCgroup.Create(name, plan.MemoryBytes, plan.Processes);
            }

            resources.ConnectNetwork(plan, network, bridge);
            return resources;
        }
        catch
        {
            resources.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    private void ConnectNetwork(ResourcePlan plan, SandboxNetworkPolicy network, ISandboxBridge? bridge)
    {
        if (network.UsesBridge && bridge is null)
        {
            throw new SandboxException($"Network '{network}' routes the sandbox through the runtime's gateway, and none is registered (AddSandboxGateway()).");
        }

        if (network.UsesBridge && plan.NetworkNamespaces)
        {
            _namespace = NetworkNamespace.Create([ModelPort, EgressPort]);
            _listeners.Add(new BridgeListener(_namespace.Listeners[0], bridge!.ServeModelAsync));
            _listeners.Add(new BridgeListener(_namespace.Listeners[1], bridge.ServeEgressAsync));
            ModelProxyUrl = LoopbackUrl(ModelPort);
            EgressProxyUrl = LoopbackUrl(EgressPort);
            return;
        }

        if (network.Mode == SandboxNetworkMode.None)
        {
            return; // bubblewrap gives each process an empty namespace of its own.
        }

        // The host's network: chosen (host), or the only one there is (no namespaces without root). The model proxy
        // still listens, on a port of the host's loopback, so the key stays out of the sandbox either way.
        ShareHostNetwork = true;
        if (bridge is not null)
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(64);
            var model = new BridgeListener(listener, bridge.ServeModelAsync);
            _listeners.Add(model);
            ModelProxyUrl = LoopbackUrl(model.Port);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        _listeners.Clear();
        _namespace?.Dispose();
        _namespace = null;
        _cgroup?.Dispose();
        _cgroup = null;
        if (_mounted)
        {
            // Detached, so a process still holding a file open cannot keep the mount; its pages go with the last user.
            LinuxInterop.Unmount(_directory);
            _mounted = false;
        }
    }

    private static Uri LoopbackUrl(int port) => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
}

/// <summary>Which of the host's means a sandbox gets, decided once by the provider from what the machine allows.</summary>
internal sealed record ResourcePlan
{
    public bool DiskQuota { get; init; }

    public long DiskBytes { get; init; }

    public long DiskFiles { get; init; }

    public bool Cgroups { get; init; }

    public long MemoryBytes { get; init; }

    public int Processes { get; init; }

    public bool NetworkNamespaces { get; init; }
}
