using System.Diagnostics;
using AgentRuntime.Server.Tests.Support;

namespace AgentRuntime.Server.Tests.EndToEnd;

/// <summary>
/// Data and the agent CLI under private (0700) directories, as <c>mktemp -d</c> or a home directory makes them: the
/// sandbox user cannot pass through them, and nothing may loosen their permissions for it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrivateDirectoryTests : ServerTest
{
    private readonly DirectoryInfo _private = Directory.CreateTempSubdirectory("agent-runtime-private-cli-");

    public PrivateDirectoryTests()
    {
        // A copy of the pinned CLIs (hard links where the file system allows) inside a directory only root may enter.
        var agents = FindAgentsDirectory();
        var copy = Process.Start("cp", ["-al", agents, Path.Combine(_private.FullName, "agents")])!;
        copy.WaitForExit();
        if (copy.ExitCode != 0)
        {
            Process.Start("cp", ["-a", agents, Path.Combine(_private.FullName, "agents")])!.WaitForExit();
        }
    }

    private string CliPath => Path.Combine(_private.FullName, "agents", "node_modules", ".bin", "claude");

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["AgentRuntime:Claude:CliPath"] = CliPath };

    [Fact]
    public async Task Turn_WithDataAndCliUnderPrivateDirectories_RunsAndChangesNoPermission()
    {
        var modes = new[] { _private.FullName, DataDirectory }.Select(d => File.GetUnixFileMode(d)).ToList();
        var session = await Server.CreateSessionAsync();

        var (result, _) = await RunBashAsync(session.SessionId, "echo private-ok > proof.txt && cat proof.txt");

        Assert.Contains("private-ok", result.Output);
        Assert.Equal(modes, new[] { _private.FullName, DataDirectory }.Select(d => File.GetUnixFileMode(d)));
        Assert.All(modes, m => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, m));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _private.Delete(recursive: true);
    }

    private static string FindAgentsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "agents", "node_modules", ".bin", "claude")))
            {
                return Path.Combine(dir.FullName, "agents");
            }
        }

        throw new InvalidOperationException("agents/node_modules is not installed above the test directory; run scripts/setup.sh.");
    }
}
