using System.Text;
using AgentRuntime.Sandboxes.Local.Tests.Files;

namespace AgentRuntime.Sandboxes.Local.Tests;

public sealed class LocalSandboxTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TestTree _tree = new();

    [Fact]
    public async Task FileOperations_OnBothRoots_WorkUntilTheSandboxIsTerminated()
    {
        var ct = TestContext.Current.CancellationToken;
        var sandbox = Create(hostUserId: null);

        await sandbox.WriteFileAsync(SandboxRoot.Workspace, "src/a.txt", "a"u8.ToArray(), ct).WaitAsync(Timeout, ct);
        await sandbox.WriteFileAsync(SandboxRoot.Home, ".config/b.txt", "b"u8.ToArray(), ct).WaitAsync(Timeout, ct);

        Assert.Equal("a", File.ReadAllText(Path.Combine(Directory(sandbox), "workspace/src/a.txt")));
        Assert.Equal(["src/a.txt"], (await sandbox.ListFilesAsync(SandboxRoot.Workspace, "", ct).WaitAsync(Timeout, ct)).Select(f => f.RelativePath));
        Assert.Equal([".config/b.txt"], (await sandbox.ListFilesAsync(SandboxRoot.Home, ".config", ct).WaitAsync(Timeout, ct)).Select(f => f.RelativePath));
        Assert.Equal("b", Encoding.UTF8.GetString((await sandbox.ReadFileAsync(SandboxRoot.Home, ".config/b.txt", ct).WaitAsync(Timeout, ct))!));
        Assert.True(await sandbox.DeleteFileAsync(SandboxRoot.Workspace, "src/a.txt", ct).WaitAsync(Timeout, ct));
        Assert.Null(await sandbox.ReadFileAsync(SandboxRoot.Workspace, "src/a.txt", ct).WaitAsync(Timeout, ct));

        await sandbox.TerminateAsync(ct).WaitAsync(Timeout, ct);

        await Assert.ThrowsAsync<SandboxException>(() => sandbox.ReadFileAsync(SandboxRoot.Workspace, "src/a.txt", ct)).WaitAsync(Timeout, ct);
        await Assert.ThrowsAsync<SandboxException>(() => sandbox.ListFilesAsync(SandboxRoot.Workspace, "", ct)).WaitAsync(Timeout, ct);
    }

    [Fact]
    public async Task WriteFile_WithASandboxUser_CreatesWhatTheUserOwns()
    {
        Assert.SkipUnless(TestTree.IsRoot, "Sandbox users exist only when the server is root.");
        var ct = TestContext.Current.CancellationToken;
        var sandbox = Create(hostUserId: TestTree.SandboxUserId);

        await sandbox.WriteFileAsync(SandboxRoot.Workspace, "src/a.txt", "a"u8.ToArray(), ct).WaitAsync(Timeout, ct);

        var workspace = Path.Combine(Directory(sandbox), "workspace");
        Assert.Equal(((uint)TestTree.SandboxUserId, (uint)TestTree.SandboxUserId), TestTree.Owner(Path.Combine(workspace, "src")));
        Assert.Equal(((uint)TestTree.SandboxUserId, (uint)TestTree.SandboxUserId), TestTree.Owner(Path.Combine(workspace, "src/a.txt")));
        await sandbox.TerminateAsync(ct).WaitAsync(Timeout, ct);
    }

    [Fact]
    public async Task ListFiles_OfADirectoryThatIsALink_ThrowsArgumentException()
    {
        // The server's file endpoints check a path's directory this way (SessionActor.CheckPathAsync) to answer 400.
        var ct = TestContext.Current.CancellationToken;
        var sandbox = Create(hostUserId: null);
        System.IO.Directory.CreateSymbolicLink(Path.Combine(Directory(sandbox), "workspace/link"), _tree.Base);

        await Assert.ThrowsAsync<ArgumentException>(() => sandbox.ListFilesAsync(SandboxRoot.Workspace, "link", ct)).WaitAsync(Timeout, ct);
        await sandbox.TerminateAsync(ct).WaitAsync(Timeout, ct);
    }

    [Fact]
    public async Task ReadFileRange_OfAFileAndPastItsEnd_ReadsTheRangeOnlyAndRefusesALink()
    {
        var ct = TestContext.Current.CancellationToken;
        var sandbox = Create(hostUserId: null);
        ISandbox files = sandbox;
        await files.WriteFileAsync(SandboxRoot.Home, ".agent/t.jsonl", "0123456789"u8.ToArray(), ct).WaitAsync(Timeout, ct);
        File.WriteAllText(_tree.Outside("secret.txt"), "host secret");
        File.CreateSymbolicLink(Path.Combine(Directory(sandbox), "home/.agent/link.jsonl"), _tree.Outside("secret.txt"));

        var middle = await files.ReadFileRangeAsync(SandboxRoot.Home, ".agent/t.jsonl", 4, 3, ct).WaitAsync(Timeout, ct);
        var past = await files.ReadFileRangeAsync(SandboxRoot.Home, ".agent/t.jsonl", 11, 3, ct).WaitAsync(Timeout, ct);
        var missing = await files.ReadFileRangeAsync(SandboxRoot.Home, ".agent/missing.jsonl", 0, 3, ct).WaitAsync(Timeout, ct);

        Assert.Equal("456", Encoding.UTF8.GetString(middle!.Content.Span));
        Assert.Equal(10, middle.Length);
        Assert.True(past!.Content.IsEmpty);
        Assert.Equal(10, past.Length);
        Assert.Null(missing);
        await Assert.ThrowsAsync<ArgumentException>(() => files.ReadFileRangeAsync(SandboxRoot.Home, ".agent/link.jsonl", 0, 100, ct)).WaitAsync(Timeout, ct);
        await sandbox.TerminateAsync(ct).WaitAsync(Timeout, ct);
        await Assert.ThrowsAsync<SandboxException>(() => files.ReadFileRangeAsync(SandboxRoot.Home, ".agent/t.jsonl", 0, 100, ct)).WaitAsync(Timeout, ct);
    }

    public void Dispose() => _tree.Dispose();

    private LocalSandbox Create(int? hostUserId)
    {
        var sandbox = new LocalSandbox("local-test", _tree.Outside("sandbox"), new LocalSandboxOptions { Isolation = SandboxIsolation.None }, bubblewrap: null, hostUserId, new Linux.ResourcePlan(),
            new SandboxRequest { SessionId = Guid.NewGuid().ToString(), Network = SandboxNetworkPolicy.None });
        sandbox.Create();
        return sandbox;
    }

    private string Directory(LocalSandbox sandbox) => _tree.Outside("sandbox");
}
