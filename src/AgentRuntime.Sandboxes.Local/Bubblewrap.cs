using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AgentRuntime.Sandboxes.Local;

/// <summary>
/// Builds the command line that runs one sandbox process under bubblewrap: a new empty root with the host's system
/// directories read-only, the workspace and home the only writable paths, private <c>/tmp</c>, new pid, ipc, uts and
/// user namespaces, no capabilities, uid 1000 inside, limits applied with <c>prlimit</c>.
/// <para>
/// When the server runs as root a small launcher comes first, all of it root and all of it before the agent's first
/// instruction: <c>unshare --mount</c> gives the launch a private mount namespace, where the launcher joins the sandbox's
/// cgroups and bind-mounts what bubblewrap must see (workspace, home, the CLI's install tree) into a staging tmpfs
/// under the runtime directory, so bubblewrap — started as the sandbox's own unprivileged host user by
/// <c>setpriv</c> — needs no way through the directories above them (a data directory under a 0700 directory works);
/// <c>nsenter</c> puts it in the sandbox's network namespace.
/// </para>
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
        var launcher = identity.HostUserId is null ? null : new Launcher(identity);
        var args = new List<string>();

        Add(args, "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try");
        // A sandbox with a namespace of its own was put in it by nsenter; bubblewrap keeps the one it is given.
        Add(args, identity.NetworkNamespacePath is not null || identity.ShareHostNetwork ? "--share-net" : "--unshare-net");
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
        foreach (var path in options.ReadOnlyPaths.Concat(spec.ReadOnlyPaths).Select(Path.GetFullPath).Distinct(StringComparer.Ordinal))
        {
            if (Path.Exists(path))
            {
                Add(args, "--ro-bind", launcher?.Stage(path) ?? path, path);
            }
        }

        if (identity.Layer is { } layer)
        {
            // At its own path, so that what an installer wrote there (a script's interpreter, a package's absolute path)
            // holds for every sandbox that uses it; writable only for the sandbox that builds it.
            Add(args, layer.Writable ? "--bind" : "--ro-bind", launcher?.Stage(layer.Directory) ?? layer.Directory, layer.Directory);
        }

        Add(args, "--bind", launcher?.Stage(identity.WorkspaceDirectory) ?? identity.WorkspaceDirectory, WorkspacePath);
        Add(args, "--bind", launcher?.Stage(identity.HomeDirectory) ?? identity.HomeDirectory, HomePath);
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
        args.AddRange(spec.Arguments);

        if (launcher is null)
        {
            startInfo.FileName = "/bin/bash";
            Add(startInfo.ArgumentList, "-c", CloseInheritedDescriptors + "exec \"$@\"\n", "sandbox-launcher", bubblewrap);
        }
        else
        {
            startInfo.FileName = "/usr/bin/unshare";
            Add(startInfo.ArgumentList, "--mount", "--propagation", "private", "--", "/bin/bash", "-c", launcher.Script(), "sandbox-launcher");
            if (identity.NetworkNamespacePath is { } netns)
            {
                Add(startInfo.ArgumentList, "/usr/bin/nsenter", $"--net={netns}", "--");
            }

            var uid = identity.HostUserId!.Value.ToString(CultureInfo.InvariantCulture);
            Add(startInfo.ArgumentList, "/usr/bin/setpriv", $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--", bubblewrap);
        }

        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        return startInfo;
    }

    // .NET's Process.Start closes only descriptors marked close-on-exec, so whatever the server inherited without the
    // mark (from a shell, a service manager, a test runner) would pass on into every sandbox: closed here, first.
    private const string CloseInheritedDescriptors =
        // (No "2>/dev/null" on the eval: a redirection of a special builtin running exec would stay, and take stderr.)
        "for fd in /proc/$$/fd/*; do fd=${fd##*/}; case $fd in 0|1|2) ;; *) eval \"exec $fd>&-\" ;; esac; done\n";

    private static void AddLimit(List<string> args, string name, long value)
    {
        if (value > 0)
        {
            args.Add($"{name}={value.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static void Add(ICollection<string> args, params string[] values)
    {
        foreach (var value in values)
        {
            args.Add(value);
        }
    }

    /// <summary>
    /// The root part of a launch: a bash script run in the launch's private mount namespace. Only runtime-chosen paths
    /// appear in it (quoted); the command it finally executes, with the agent's arguments, comes as "$@".
    /// </summary>
    private sealed class Launcher(SandboxIdentity identity)
    {
        private readonly List<(string Source, string Stage, bool IsDirectory)> _stages = [];

        public string Stage(string source)
        {
            var stage = $"{identity.StageDirectory}/{_stages.Count.ToString(CultureInfo.InvariantCulture)}";
            _stages.Add((source, stage, Directory.Exists(source)));
            return stage;
        }

        public string Script()
        {
            var script = new StringBuilder(CloseInheritedDescriptors).Append("set -e\n");
            foreach (var file in identity.CgroupProcessFiles)
            {
                script.Append("echo $$ > ").Append(Quote(file)).Append('\n');
            }

            script.Append("mount -t tmpfs -o mode=0755,size=64k agent-runtime-stage ").Append(Quote(identity.StageDirectory)).Append('\n');
            foreach (var (source, stage, isDirectory) in _stages)
            {
                script.Append(isDirectory ? "mkdir " : "touch ").Append(Quote(stage)).Append('\n');
                script.Append("mount --bind ").Append(Quote(source)).Append(' ').Append(Quote(stage)).Append('\n');
            }

            return script.Append("exec \"$@\"\n").ToString();
        }

        private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}

/// <summary>Who a sandbox's processes run as and what they see.</summary>
/// <param name="WorkspaceDirectory">The workspace on the host.</param>
/// <param name="HomeDirectory">The home on the host.</param>
/// <param name="HostUserId">The host user id bubblewrap runs as, when the server is root.</param>
/// <param name="NetworkNamespacePath">The sandbox's own network namespace, when it has one (made by the runtime).</param>
/// <param name="ShareHostNetwork">Whether the sandbox uses the host's network.</param>
/// <param name="CgroupProcessFiles">The <c>cgroup.procs</c> files the launcher joins.</param>
/// <param name="StageDirectory">An empty directory every sandbox user can reach, for the launcher's staging tmpfs.</param>
/// <param name="Layer">Installed software the sandbox sees at its host path, if any.</param>
internal sealed record SandboxIdentity(
    string WorkspaceDirectory,
    string HomeDirectory,
    int? HostUserId,
    string? NetworkNamespacePath,
    bool ShareHostNetwork,
    IReadOnlyList<string> CgroupProcessFiles,
    string StageDirectory,
    SandboxLayer? Layer = null);
