using System.Net;
using System.Net.Sockets;

namespace AgentRuntime.Testing.Hosts;

/// <summary>
/// Several runnable hosts, each a process of its own on loopback, as the nodes of one cluster on one PostgreSQL
/// database (<c>AgentRuntime:Cluster:Mode=postgres</c>): each with its own data directory and silo port, all sharing the
/// store and so the admin key the first node made. Membership is tuned for a quick death verdict (see
/// <see cref="QuickFailover"/>), so a test that kills a node sees the survivors take over within seconds; the per-node
/// limits on running turns and live sandboxes are raised to 64, and the drain on stop is 5 s (the nodes stop together).
/// </summary>
public sealed class HostCluster : IAsyncDisposable
{
    /// <summary>
    /// Orleans membership and directory for tests: a probe is missed after 2 s, and three missed probes in a row from two
    /// nodes declare a node dead (production: 5 s, 3, 2), so a killed node is dead within seconds while a node merely
    /// stalled by a loaded machine is not; the dead node's sessions are held for 2 s before they move (production: 30 s).
    /// See docs/configuration.md.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> QuickFailover = new Dictionary<string, string>
    {
        ["AgentRuntime:Cluster:Membership:ProbeTimeout"] = "00:00:02",
        ["AgentRuntime:Cluster:Membership:NumMissedProbesLimit"] = "3",
        ["AgentRuntime:Cluster:Membership:NumVotesForDeathDeclaration"] = "2",
        ["AgentRuntime:Cluster:Membership:TableRefreshTimeout"] = "00:00:02",
        ["AgentRuntime:Cluster:Directory:RangeLeaseDuration"] = "00:00:02",
    };

    private readonly DirectoryInfo _root;
    private readonly HostProcess[] _nodes;

    private HostCluster(DirectoryInfo root, HostProcess[] nodes)
    {
        _root = root;
        _nodes = nodes;
    }

    /// <summary>The nodes, in the order they were started (killed ones included).</summary>
    public IReadOnlyList<HostProcess> Nodes => _nodes;

    /// <summary>The nodes still running.</summary>
    public IReadOnlyList<HostProcess> Alive => _nodes.Where(n => !n.HasExited).ToList();

    /// <summary>
    /// Starts <paramref name="count"/> hosts on the PostgreSQL database at <paramref name="connectionString"/>: the first
    /// alone (it makes the store's admin key), then the others at once. <paramref name="settings"/> are layered over the
    /// cluster's own (store, mode, ports, <see cref="QuickFailover"/>).
    /// </summary>
    public static async Task<HostCluster> StartAsync(int count, string connectionString, ScriptedModelServer model, IReadOnlyDictionary<string, string>? settings = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        // Owner-only (0700) on Unix: the nodes' data directories hold workspaces and the admin key.
        var root = Directory.CreateTempSubdirectory("agent-runtime-cluster-");
        var nodes = new HostProcess?[count];
        try
        {
            nodes[0] = await HostProcess.StartAsync(DataDirectory(root, 0), model, SettingsOf(connectionString, settings));
            var adminKey = nodes[0]!.AdminKey;
            var others = Enumerable.Range(1, count - 1).Select(async i =>
                nodes[i] = await HostProcess.StartAsync(DataDirectory(root, i), model, SettingsOf(connectionString, settings), adminKey)).ToList();
            await Task.WhenAll(others);
            return new HostCluster(root, nodes.Select(n => n!).ToArray());
        }
        catch
        {
            foreach (var node in nodes.OfType<HostProcess>())
            {
                await node.DisposeAsync();
            }

            root.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>SIGKILL of one node, as a crash: no drain, no handover.</summary>
    public Task KillAsync(int node) => _nodes[node].KillAsync();

    /// <summary>Stops the nodes still running, removes what killed ones left and deletes the data directories.</summary>
    public async ValueTask DisposeAsync()
    {
        // Stopped together: a node stopping alone would hand its sessions to the others, which are stopping too.
        await Task.WhenAll(_nodes.Select(n => n.DisposeAsync().AsTask()));
        // A killed node leaves its sandboxes' tmpfs mounted (under root, the disk quota's): a server sweeps them when it
        // starts again on its data directory, which a node killed here never does.
        foreach (var mount in LeftoverMounts())
        {
            _ = umount2(mount, MountDetach);
        }

        _root.Delete(recursive: true);
    }

    /// <summary>Mount points under the nodes' data directories, deepest first.</summary>
    public IReadOnlyList<string> LeftoverMounts() => File.ReadAllLines("/proc/self/mounts")
        .Select(line => line.Split(' ')[1])
        .Where(path => path.StartsWith(_root.FullName + "/", StringComparison.Ordinal))
        .OrderByDescending(path => path.Length)
        .ToList();

    private const int MountDetach = 2;

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code, which this test project does not otherwise need.
    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int umount2(string target, int flags);
#pragma warning restore SYSLIB1054

    private static string DataDirectory(DirectoryInfo root, int node) => root.CreateSubdirectory($"node-{node}").FullName;

    private static Dictionary<string, string> SettingsOf(string connectionString, IReadOnlyDictionary<string, string>? settings)
    {
        var values = new Dictionary<string, string>(QuickFailover)
        {
            // The cluster is stopped all at once, where a drain has nowhere to hand sessions; a test of draining sets more.
            ["AgentRuntime:Cluster:DrainTimeout"] = "00:00:05",
            // Tests and benchmarks run tens of sessions per node, past the per-node defaults of 8 (docs/configuration.md).
            ["AgentRuntime:Limits:MaxLiveSandboxes"] = "64",
            ["AgentRuntime:Limits:MaxRunningTurns"] = "64",
            ["AgentRuntime:Store"] = "postgres",
            ["AgentRuntime:Postgres:ConnectionString"] = connectionString,
            ["AgentRuntime:Cluster:Mode"] = "postgres",
            ["AgentRuntime:Cluster:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentRuntime:Cluster:AdvertisedAddress"] = "127.0.0.1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            values[key] = value;
        }

        return values;
    }

    /// <summary>A TCP port free on loopback at the time of asking.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
