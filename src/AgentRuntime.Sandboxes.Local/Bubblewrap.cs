using System.Diagnostics;
using System.Globalization;

namespace AgentRuntime.Sandboxes.Local;

/// <summary>
/// Builds the command line that runs one sandbox process under bubblewrap: a new empty root with the host's system
/// directories read-only, the workspace and home the only writable paths, private <c>/tmp</c>, new pid, ipc, uts,
/// user (and optionally network) namespaces, no capabilities, uid 1000 inside, limits applied with <c>prlimit</c>.
/// When the server runs as root, bubblewrap itself is started as the sandbox's own unprivileged host user.
/// </summary>
internal static class Bubblewrap
{
    public const string WorkspacePath = "/workspace";
    public const string HomePath = "/home/agent";

    // Host directories every sandbox sees, read-only. Everything else of the host (its /root, /home, /work, /tmp,
    // the runtime's data directory) does not exist inside.
    private static readonly string[] SystemDirectories = ["/usr", "/etc", "/opt", "/var/lib/dpkg"];
    private static readonly string[] MergedUsrLinks = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

    public static string? Locate(string bubblewrapPath)
    {
        if (Path.IsPathRooted(bubblewrapPath))
        {
            return File.Exists(bubblewrapPath) ? bubblewrapPath : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, bubblewrapPath))
            .FirstOrDefault(File.Exists);
    }

    public static ProcessStartInfo CreateStartInfo(
        string bubblewrap, SandboxIdentity identity, SandboxProcessSpec spec, IReadOnlyDictionary<string, string> environment, LocalSandboxOptions options)
    {
        var startInfo = new ProcessStartInfo { UseShellExecute = false };
        var args = startInfo.ArgumentList;
        if (identity.HostUserId is int uid)
        {
            startInfo.FileName = "/usr/bin/setpriv";
            foreach (var arg in new[] { $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--", bubblewrap })
            {
                args.Add(arg);
            }
        }
        else
        {
            startInfo.FileName = bubblewrap;
        }

        Add(args, "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try");
        Add(args, identity.Network.Mode != SandboxNetworkMode.Host ? "--unshare-net" : "--share-net");
        Add(args, "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--uid", "1000", "--gid", "1000", "--hostname", "sandbox");
        foreach (var dir in SystemDirectories.Where(Directory.Exists))
        {
            Add(args, "--ro-bind", dir, dir);
        }

        foreach (var link in MergedUsrLinks)
        {
            var info = new FileInfo(link);
            if (info.LinkTarget is { } target)
            {
                Add(args, "--symlink", target, link);
            }
            else if (Directory.Exists(link))
            {
                Add(args, "--ro-bind", link, link);
            }
        }

        Add(args, "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp");

        // After the private /tmp, so that a path under /tmp is bound on top of it rather than hidden by it.
        foreach (var path in options.ReadOnlyPaths.Concat(spec.ReadOnlyPaths).Distinct(StringComparer.Ordinal))
        {
            var full = Path.GetFullPath(path);
            if (Path.Exists(full))
            {
                Add(args, "--ro-bind", full, full);
            }
        }

        Add(args, "--bind", identity.WorkspaceDirectory, WorkspacePath, "--bind", identity.HomeDirectory, HomePath);
        // The new root is a tmpfs bubblewrap made to hold the mount points; nothing may be written to it.
        Add(args, "--remount-ro", "/");
        Add(args, "--chdir", spec.WorkingDirectory ?? WorkspacePath, "--clearenv");
        foreach (var (name, value) in environment)
        {
            Add(args, "--setenv", name, value);
        }

        args.Add("--");
        var limits = options.Limits;
        args.Add("/usr/bin/prlimit");
        AddLimit(args, "--as", limits.MaxMemoryBytes);
        AddLimit(args, "--nproc", limits.MaxProcesses);
        AddLimit(args, "--cpu", limits.MaxCpuSeconds);
        AddLimit(args, "--fsize", limits.MaxFileBytes);
        args.Add("--");
        args.Add(spec.Command);
        foreach (var argument in spec.Arguments)
        {
            args.Add(argument);
        }

        return startInfo;
    }

    private static void AddLimit(IList<string> args, string name, long value)
    {
        if (value > 0)
        {
            args.Add($"{name}={value.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static void Add(IList<string> args, params string[] values)
    {
        foreach (var value in values)
        {
            args.Add(value);
        }
    }
}

/// <summary>Who a sandbox's processes run as and what they see.</summary>
/// <param name="WorkspaceDirectory">The workspace on the host.</param>
/// <param name="HomeDirectory">The home on the host.</param>
/// <param name="HostUserId">The host user id bubblewrap runs as, when the server is root.</param>
/// <param name="Network">Whether the sandbox has the host's network.</param>
internal sealed record SandboxIdentity(string WorkspaceDirectory, string HomeDirectory, int? HostUserId, SandboxNetworkPolicy Network);
