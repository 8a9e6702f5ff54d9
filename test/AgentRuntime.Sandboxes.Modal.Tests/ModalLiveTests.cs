using System.Text;
using AgentRuntime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Sandboxes.Modal.Tests;

/// <summary>
/// Against Modal itself (api.modal.com), only when <c>MODAL_TOKEN_ID</c> and <c>MODAL_TOKEN_SECRET</c> are set: builds
/// the image (the first run takes minutes), creates a sandbox, runs a process, reads and writes files, re-attaches
/// and terminates. It costs a few cents of Modal compute.
/// </summary>
public sealed class ModalLiveTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(20);

    [Fact]
    public async Task LiveModal_SandboxLifecycle_Works()
    {
        Assert.SkipUnless(
            Environment.GetEnvironmentVariable("MODAL_TOKEN_ID") is { Length: > 0 } && Environment.GetEnvironmentVariable("MODAL_TOKEN_SECRET") is { Length: > 0 },
            "Runs against Modal itself only with MODAL_TOKEN_ID and MODAL_TOKEN_SECRET set (see docs/sandboxing.md).");
        var ct = TestContext.Current.CancellationToken;
        var options = Options.Create(new ModalSandboxOptions { AppName = "agent-runtime-live-test", Timeout = TimeSpan.FromMinutes(10), IdleTimeout = TimeSpan.FromMinutes(5) });
        var runtime = Options.Create(new AgentRuntimeOptions { PublicUrl = new Uri("https://agent-runtime.invalid") });
        using var provider = new ModalSandboxProvider(options, runtime, new ModelRelay(), new ServiceCollection().BuildServiceProvider(), TimeProvider.System, NullLogger<ModalSandboxProvider>.Instance);
        var log = new List<string>();

        var sandbox = await provider.CreateAsync(new SandboxRequest { SessionId = Guid.NewGuid().ToString(), Network = SandboxNetworkPolicy.Host, TenantId = "live-test", Progress = new Progress<string>(log.Add) }, ct).WaitAsync(Timeout, ct);
        try
        {
            await sandbox.WriteFileAsync(SandboxRoot.Workspace, "dir/hello.txt", "hello modal"u8.ToArray(), ct).WaitAsync(Timeout, ct);
            await using (var process = await sandbox.StartProcessAsync(new SandboxProcessSpec { Command = "sh", Arguments = ["-c", "cat dir/hello.txt; node --version >&2"] }, ct).WaitAsync(Timeout, ct))
            {
                await process.StandardInput.DisposeAsync();
                var stdout = await new StreamReader(process.StandardOutput).ReadToEndAsync(ct).WaitAsync(Timeout, ct);
                var stderr = await new StreamReader(process.StandardError).ReadToEndAsync(ct).WaitAsync(Timeout, ct);
                Assert.Equal(0, await process.Exited.WaitAsync(Timeout, ct));
                Assert.Equal("hello modal", stdout);
                Assert.StartsWith("v", stderr, StringComparison.Ordinal);
            }

            Assert.Equal(["dir/hello.txt"], (await sandbox.ListFilesAsync(SandboxRoot.Workspace, "", ct).WaitAsync(Timeout, ct)).Select(f => f.RelativePath));
            await sandbox.DetachAsync(ct);
            var attached = await provider.AttachAsync(sandbox.Id, new SandboxRequest { SessionId = Guid.NewGuid().ToString() }, ct).WaitAsync(Timeout, ct);
            Assert.NotNull(attached);
            Assert.Equal("hello modal", Encoding.UTF8.GetString((await attached.ReadFileAsync(SandboxRoot.Workspace, "dir/hello.txt", ct).WaitAsync(Timeout, ct))!));
            sandbox = attached;
        }
        finally
        {
            await sandbox.TerminateAsync(CancellationToken.None);
        }

        Assert.False(await sandbox.CheckHealthAsync(ct).WaitAsync(Timeout, ct));
    }
}
