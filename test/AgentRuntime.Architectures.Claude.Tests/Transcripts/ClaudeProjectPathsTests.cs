using AgentRuntime.Architectures.Claude.Transcripts;

namespace AgentRuntime.Architectures.Claude.Tests.Transcripts;

public sealed class ClaudeProjectPathsTests
{
    [Theory]
    [InlineData("/tmp/probe/ws", "-tmp-probe-ws")]
    [InlineData("/tmp/probe/w_x.y z+é", "-tmp-probe-w-x-y-z--")]
    [InlineData("/data/sandboxes/0b6c1f2e-9d5a-4c1e-8f5e-7a0c2b9d4e11/workspace", "-data-sandboxes-0b6c1f2e-9d5a-4c1e-8f5e-7a0c2b9d4e11-workspace")]
    public void Slug_Path_ReplacesEveryCharacterButLettersAndDigits(string path, string expected)
    {
        Assert.Equal(expected, ClaudeProjectPaths.Slug(path));
    }

    [Fact]
    public void Slug_PathLongerThan200_IsCutAndSuffixedWithTheCliHash()
    {
        // Observed with the CLI 2.1.330: this working directory got the directory name ending in "-yfy453".
        var path = "/tmp/probe/" + new string('a', 120) + "/" + new string('b', 120);

        var slug = ClaudeProjectPaths.Slug(path);

        Assert.Equal(207, slug.Length);
        Assert.Equal(ClaudeProjectPaths.Slug(path[..200]), slug[..200]);
        Assert.EndsWith("-yfy453", slug, StringComparison.Ordinal);
    }

    [Fact]
    public void MainTranscript_SessionInWorkspace_IsUnderTheProjectDirectory()
    {
        Assert.Equal(".claude/projects/-w-s/abc.jsonl", ClaudeProjectPaths.MainTranscript("/w/s", "abc"));
    }
}
