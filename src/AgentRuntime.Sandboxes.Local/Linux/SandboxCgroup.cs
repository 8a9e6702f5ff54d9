using System.Globalization;

namespace AgentRuntime.Sandboxes.Local.Linux;

/// <summary>
/// A sandbox's own control groups (cgroup v1 <c>memory</c> and <c>pids</c> hierarchies): a memory limit for all its
/// processes together — tmpfs pages they write included — and a process-count limit. The launcher moves itself into
/// them before it starts bubblewrap, so every process of the sandbox is born inside; disposing kills what is left and
/// removes them.
/// </summary>
internal sealed class SandboxCgroup : IDisposable
{
    private const string Root = "/sys/fs/cgroup";
    private const string Parent = "agent-runtime";

    // One directory per server process, so a server sweeps what a killed one left without touching a live one's.
    private static readonly string ProcessParent = Path.Combine(Parent, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    private readonly List<string> _directories;

    private SandboxCgroup(List<string> directories) => _directories = directories;

    /// <summary>The <c>cgroup.procs</c> files a process writes its pid to, to join.</summary>
    public IEnumerable<string> ProcessFiles => _directories.Select(d => Path.Combine(d, "cgroup.procs"));

    /// <summary>Whether this machine lets the runtime make sandbox cgroups: v1 <c>memory</c> and <c>pids</c>, writable.</summary>
    public static string? Unavailable()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return "the server is not root, so it cannot make a cgroup per sandbox";
        }

        foreach (var controller in new[] { "memory", "pids" })
        {
            if (!File.Exists(Path.Combine(Root, controller, "cgroup.procs")))
            {
                return $"no cgroup v1 '{controller}' hierarchy at {Root}/{controller}";
            }
        }

        return null;
    }

    public static SandboxCgroup Create(string name, long memoryBytes, int maxProcesses)
    {
        var directories = new List<string>();
        try
        {
            var memory = MakeDirectory("memory", name, directories);
            if (memoryBytes > 0)
            {
                Write(memory, "memory.limit_in_bytes", memoryBytes);
                // Where swap is accounted, the same limit on memory plus swap keeps a sandbox from paging its way past it.
                if (File.Exists(Path.Combine(memory, "memory.memsw.limit_in_bytes")))
                {
                    Write(memory, "memory.memsw.limit_in_bytes", memoryBytes);
                }
            }

            var pids = MakeDirectory("pids", name, directories);
            if (maxProcesses > 0)
            {
                Write(pids, "pids.max", maxProcesses);
            }

            return new SandboxCgroup(directories);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            new SandboxCgroup(directories).Dispose();
            throw new SandboxException($"Could not make the sandbox's cgroups: {ex.Message}", ex);
        }
    }

    /// <summary>How often the memory limit was hit (the kernel then reclaims or kills inside the sandbox).</summary>
    public long MemoryLimitHits => _directories.Count > 0 && File.Exists(Path.Combine(_directories[0], "memory.failcnt"))
        ? long.Parse(File.ReadAllText(Path.Combine(_directories[0], "memory.failcnt")).Trim(), CultureInfo.InvariantCulture)
        : 0;

    public void Dispose()
    {
        // A cgroup can be removed only once empty; what outlived bubblewrap (--die-with-parent covers most) is killed.
        for (var attempt = 0; attempt < 50 && _directories.Count > 0; attempt++)
        {
            foreach (var directory in _directories.ToList())
            {
                KillAll(directory);
                try
                {
                    Directory.Delete(directory);
                    _directories.Remove(directory);
                }
                catch (IOException)
                {
                    // Still busy: processes are dying.
                }
                catch (UnauthorizedAccessException)
                {
                    _directories.Remove(directory);
                }
            }

            if (_directories.Count > 0)
            {
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>Removes the cgroups of server processes that no longer run, killing what was left in them.</summary>
    public static void RemoveLeftovers()
    {
        foreach (var controller in new[] { "memory", "pids" })
        {
            var parent = Path.Combine(Root, controller, Parent);
            if (!Directory.Exists(parent))
            {
                continue;
            }

            foreach (var server in Directory.EnumerateDirectories(parent))
            {
                if (!int.TryParse(Path.GetFileName(server), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}"))
                {
                    continue;
                }

                try
                {
                    new SandboxCgroup(Directory.EnumerateDirectories(server).ToList()).Dispose();
                    Directory.Delete(server);
                }
                catch (DirectoryNotFoundException)
                {
                    // Another server (or provider) starting at the same time swept it first.
                }
                catch (IOException)
                {
                    // Not empty yet; the next start tries again.
                }
            }
        }
    }

    private static string MakeDirectory(string controller, string name, List<string> made)
    {
        var directory = Path.Combine(Root, controller, ProcessParent, name);
        Directory.CreateDirectory(directory);
        made.Add(directory);
        return directory;
    }

    private static void Write(string directory, string file, long value) =>
        File.WriteAllText(Path.Combine(directory, file), value.ToString(CultureInfo.InvariantCulture));

    private static void KillAll(string directory)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path.Combine(directory, "cgroup.procs"));
        }
        catch (IOException)
        {
            return;
        }

        foreach (var line in lines)
        {
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    System.Diagnostics.Process.GetProcessById(pid).Kill();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Gone already.
                }
            }
        }
    }
}
