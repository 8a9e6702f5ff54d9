using System.Text;

namespace AgentRuntime.Sandboxes.Modal.Tests;

/// <summary>
/// What every sandbox provider must do, as the runtime uses it: processes with streaming stdio both ways, exit codes,
/// a clean environment, files on both roots that stay below them and never follow links, and termination. Run for the
/// local provider and for the Modal provider against the Modal-compatible fake.
/// </summary>
public abstract class SandboxProviderConformanceTests<TFixture>(TFixture fixture) : IAsyncLifetime
    where TFixture : ISandboxProviderFixture
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly List<ISandbox> _sandboxes = [];

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected ISandboxProvider Provider => fixture.Provider;

    [Fact]
    public async Task Process_StdinToStdout_StreamsBothWaysLineByLine()
    {
        var sandbox = await CreateAsync();
        await using var process = await sandbox.StartProcessAsync(new SandboxProcessSpec { Command = "cat" }, Ct).WaitAsync(Timeout, Ct);
        using var reader = new StreamReader(process.StandardOutput);

        foreach (var line in new[] { "first", "second" })
        {
            // Each line comes back before the next is written: nothing waits for stdin to close.
            await process.StandardInput.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), Ct);
            await process.StandardInput.FlushAsync(Ct);
            Assert.Equal(line, await reader.ReadLineAsync(Ct).AsTask().WaitAsync(Timeout, Ct));
        }

        await process.StandardInput.DisposeAsync();
        Assert.Equal(0, await process.Exited.WaitAsync(Timeout, Ct));
    }

    [Fact]
    public async Task Process_ExitCodeAndStderr_AreReported()
    {
        var sandbox = await CreateAsync();
        var (code, stdout, stderr) = await RunAsync(sandbox, "sh", "-c", "echo out; echo oops >&2; exit 7");

        Assert.Equal(7, code);
        Assert.Equal("out\n", stdout);
        Assert.Equal("oops\n", stderr);
    }

    [Fact]
    public async Task Process_Environment_IsTheSpecsOnTopOfAMinimalOne()
    {
        var sandbox = await CreateAsync();
        var (code, stdout, _) = await RunAsync(sandbox, new SandboxProcessSpec
        {
            Command = "sh",
            Arguments = ["-c", "echo \"$FOO|$HOME|$(pwd)|${MODAL_TOKEN_ID:-none}\""],
            Environment = new Dictionary<string, string> { ["FOO"] = "bar" },
        });

        Assert.Equal(0, code);
        Assert.Equal($"bar|{sandbox.HomePath}|{sandbox.WorkspacePath}|none\n", stdout);
    }

    [Fact]
    public async Task Process_LargeOutput_ArrivesWhole()
    {
        var sandbox = await CreateAsync();
        await using var process = await sandbox.StartProcessAsync(new SandboxProcessSpec { Command = "head", Arguments = ["-c", "3000000", "/dev/zero"] }, Ct).WaitAsync(Timeout, Ct);
        await process.StandardInput.DisposeAsync();
        var output = new MemoryStream();

        await process.StandardOutput.CopyToAsync(output, Ct).WaitAsync(Timeout, Ct);

        Assert.Equal(3_000_000, output.Length);
        Assert.Equal(0, await process.Exited.WaitAsync(Timeout, Ct));
    }

    [Fact]
    public async Task Files_OnBothRoots_WriteReadListDelete()
    {
        var sandbox = await CreateAsync();
        await sandbox.WriteFileAsync(SandboxRoot.Workspace, "src/a.txt", "alpha"u8.ToArray(), Ct).WaitAsync(Timeout, Ct);
        await sandbox.WriteFileAsync(SandboxRoot.Home, ".config/b.txt", "beta"u8.ToArray(), Ct).WaitAsync(Timeout, Ct);

        Assert.Equal("alpha", Encoding.UTF8.GetString((await sandbox.ReadFileAsync(SandboxRoot.Workspace, "src/a.txt", Ct).WaitAsync(Timeout, Ct))!));
        var listed = Assert.Single(await sandbox.ListFilesAsync(SandboxRoot.Workspace, "", Ct).WaitAsync(Timeout, Ct));
        Assert.Equal(("src/a.txt", 5L), (listed.RelativePath, listed.Size));
        Assert.Equal([".config/b.txt"], (await sandbox.ListFilesAsync(SandboxRoot.Home, ".config", Ct).WaitAsync(Timeout, Ct)).Select(f => f.RelativePath));
        Assert.True(await sandbox.DeleteFileAsync(SandboxRoot.Workspace, "src/a.txt", Ct).WaitAsync(Timeout, Ct));
        Assert.Null(await sandbox.ReadFileAsync(SandboxRoot.Workspace, "src/a.txt", Ct).WaitAsync(Timeout, Ct));
        Assert.False(await sandbox.DeleteFileAsync(SandboxRoot.Workspace, "src/a.txt", Ct).WaitAsync(Timeout, Ct));
    }

    [Fact]
    public async Task Files_WrittenByAProcess_AreSeenAndRangesReadOnlyWhatIsAsked()
    {
        var sandbox = await CreateAsync();
        var (code, _, _) = await RunAsync(sandbox, "sh", "-c", "printf 0123456789 > made.txt");
        Assert.Equal(0, code);

        var range = await sandbox.ReadFileRangeAsync(SandboxRoot.Workspace, "made.txt", 3, 4, Ct).WaitAsync(Timeout, Ct);
        Assert.Equal(("3456", 10L), (Encoding.ASCII.GetString(range!.Content.Span), range.Length));
        var past = await sandbox.ReadFileRangeAsync(SandboxRoot.Workspace, "made.txt", 20, 4, Ct).WaitAsync(Timeout, Ct);
        Assert.Equal((0, 10L), (past!.Content.Length, past.Length));
        Assert.Null(await sandbox.ReadFileRangeAsync(SandboxRoot.Workspace, "absent.txt", 0, 4, Ct).WaitAsync(Timeout, Ct));
    }

    [Theory]
    [InlineData("../outside.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../outside.txt")]
    public async Task Files_PathOutsideTheRoot_IsRefused(string path)
    {
        var sandbox = await CreateAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => sandbox.WriteFileAsync(SandboxRoot.Workspace, path, "x"u8.ToArray(), Ct)).WaitAsync(Timeout, Ct);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => sandbox.ReadFileAsync(SandboxRoot.Workspace, path, Ct)).WaitAsync(Timeout, Ct);
        var (_, stdout, _) = await RunAsync(sandbox, "sh", "-c", "ls -a ..");
        Assert.DoesNotContain("outside.txt", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_LinkPlantedInTheSandbox_IsNeverFollowed()
    {
        var sandbox = await CreateAsync();
        var (code, _, _) = await RunAsync(sandbox, "sh", "-c", "mkdir d && echo secret > d/real.txt && ln -s /etc/hostname host && ln -s d dir && ln -s d/real.txt file");
        Assert.Equal(0, code);

        foreach (var link in new[] { "host", "file", "dir/real.txt" })
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(() => sandbox.ReadFileAsync(SandboxRoot.Workspace, link, Ct)).WaitAsync(Timeout, Ct);
        }

        // A write to a link's name must not write through it.
        await Assert.ThrowsAnyAsync<ArgumentException>(() => sandbox.WriteFileAsync(SandboxRoot.Workspace, "dir/real.txt", "changed"u8.ToArray(), Ct)).WaitAsync(Timeout, Ct);
        Assert.Equal("secret\n", Encoding.UTF8.GetString((await sandbox.ReadFileAsync(SandboxRoot.Workspace, "d/real.txt", Ct).WaitAsync(Timeout, Ct))!));
        Assert.Equal(["d/real.txt"], (await sandbox.ListFilesAsync(SandboxRoot.Workspace, "", Ct).WaitAsync(Timeout, Ct)).Select(f => f.RelativePath));
    }

    [Fact]
    public async Task Terminate_EndsTheSandbox_AndLaterUseFails()
    {
        var sandbox = await CreateAsync();
        Assert.True(await sandbox.CheckHealthAsync(Ct).WaitAsync(Timeout, Ct));

        await sandbox.TerminateAsync(Ct).WaitAsync(Timeout, Ct);

        await sandbox.Terminated.WaitAsync(Timeout, Ct);
        Assert.False(await sandbox.CheckHealthAsync(Ct).WaitAsync(Timeout, Ct));
        await Assert.ThrowsAsync<SandboxException>(() => sandbox.StartProcessAsync(new SandboxProcessSpec { Command = "true" }, Ct)).WaitAsync(Timeout, Ct);
        await sandbox.TerminateAsync(Ct).WaitAsync(Timeout, Ct);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var sandbox in _sandboxes)
        {
            await sandbox.TerminateAsync(CancellationToken.None);
        }

        GC.SuppressFinalize(this);
    }

    protected async Task<ISandbox> CreateAsync(SandboxRequest? request = null)
    {
        var sandbox = await Provider.CreateAsync(request ?? new SandboxRequest { SessionId = Guid.NewGuid().ToString(), Network = SandboxNetworkPolicy.Host }, Ct).WaitAsync(Timeout, Ct);
        _sandboxes.Add(sandbox);
        return sandbox;
    }

    protected static Task<(int Code, string Stdout, string Stderr)> RunAsync(ISandbox sandbox, string command, params string[] arguments) =>
        RunAsync(sandbox, new SandboxProcessSpec { Command = command, Arguments = arguments });

    protected static async Task<(int Code, string Stdout, string Stderr)> RunAsync(ISandbox sandbox, SandboxProcessSpec spec)
    {
        await using var process = await sandbox.StartProcessAsync(spec, Ct).WaitAsync(Timeout, Ct);
        await process.StandardInput.DisposeAsync();
        var stdout = new StreamReader(process.StandardOutput).ReadToEndAsync(Ct);
        var stderr = new StreamReader(process.StandardError).ReadToEndAsync(Ct);
        var code = await process.Exited.WaitAsync(Timeout, Ct);
        return (code, await stdout.WaitAsync(Timeout, Ct), await stderr.WaitAsync(Timeout, Ct));
    }
}
