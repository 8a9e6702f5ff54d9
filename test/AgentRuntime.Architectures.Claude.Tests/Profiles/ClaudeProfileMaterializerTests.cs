using AgentRuntime.Architectures.Claude.Profiles;
using AgentRuntime.Profiles;

namespace AgentRuntime.Architectures.Claude.Tests.Profiles;

public sealed class ClaudeProfileMaterializerTests
{
    private static readonly IReadOnlyDictionary<string, string> NoSecrets = new Dictionary<string, string>();

    private static readonly AgentProfile Profile = new()
    {
        Id = "p",
        Name = "P",
        Skills = [new ProfileSkill { Name = "s", Description = "d", Body = "b", Files = new Dictionary<string, string> { ["run.sh"] = "#!/bin/sh\n", ["lib/notes.md"] = "n" } }],
    };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WriteAsync_Profile_ClearsUnlinkingParentsFirstThenWritesThenMakesScriptsExecutable()
    {
        var sandbox = new ScriptedSandbox();

        await ClaudeProfileMaterializer.WriteAsync(sandbox, Profile, NoSecrets, NoSecrets, Token);

        Assert.Equal(2, sandbox.Processes.Count);
        var clear = sandbox.Processes[0];
        Assert.Equal("/bin/sh", clear.Command);
        Assert.Equal("/home/agent", clear.WorkingDirectory);
        var arguments = clear.Arguments.Skip(3).ToList();
        var separator = arguments.IndexOf("--");
        Assert.Equal([".claude", ".agent-runtime", ".claude/skills", ".agent-runtime/claude", ".claude/skills/s", ".claude/skills/s/lib"], arguments[..separator]);
        Assert.Equal(ClaudeHome.OwnedPaths, arguments[(separator + 1)..]);
        Assert.Contains(".claude/skills/s/SKILL.md", sandbox.Written.Keys);
        Assert.Contains(".claude/skills/s/lib/notes.md", sandbox.Written.Keys);
        Assert.Equal([".claude/skills/s/run.sh"], sandbox.Processes[1].Arguments.Skip(3));
    }

    [Fact]
    public async Task WriteAsync_PathStillThroughALink_FailsNamingIt()
    {
        var sandbox = new ScriptedSandbox { LinkedPath = ".claude/skills/s/SKILL.md" };

        var error = await Assert.ThrowsAsync<AgentException>(() => ClaudeProfileMaterializer.WriteAsync(sandbox, Profile, NoSecrets, NoSecrets, Token));

        Assert.Equal("profile_write_failed", error.Code);
        Assert.Contains("~/.claude/skills/s/SKILL.md", error.Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_ClearingFails_FailsWithItsErrorAndWritesNothing()
    {
        var sandbox = new ScriptedSandbox { ExitCode = 1, StandardError = "rm: cannot remove '.claude/skills': Permission denied\n" };

        var error = await Assert.ThrowsAsync<AgentException>(() => ClaudeProfileMaterializer.WriteAsync(sandbox, Profile, NoSecrets, NoSecrets, Token));

        Assert.Equal("profile_write_failed", error.Code);
        Assert.Contains("Permission denied", error.Message, StringComparison.Ordinal);
        Assert.Empty(sandbox.Written);
    }
}
