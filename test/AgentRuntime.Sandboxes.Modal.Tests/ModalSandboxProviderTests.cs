using System.Text;
using Grpc.Core;

namespace AgentRuntime.Sandboxes.Modal.Tests;

/// <summary>What only the Modal provider does: credentials, retries, image builds, re-attaching, errors.</summary>
public sealed class ModalSandboxProviderTests(ModalProviderFixture fixture) : IClassFixture<ModalProviderFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SandboxRequest Request(string? tenant = null, IProgress<string>? progress = null) =>
        new() { SessionId = Guid.NewGuid().ToString(), Network = SandboxNetworkPolicy.Host, TenantId = tenant, Progress = progress };

    [Fact]
    public async Task Create_TagsTheSandboxWithSessionAndTenant_AndReportsTheImageBuild()
    {
        using var provider = fixture.CreateProvider(o => o.ImageCommands.Add("RUN echo tagged-" + Guid.NewGuid().ToString("N")));
        var lines = new List<string>();
        var request = Request("acme", new SyncProgress(lines));

        var sandbox = await provider.CreateAsync(request, Ct).WaitAsync(Timeout, Ct);
        var again = await provider.CreateAsync(Request("acme"), Ct).WaitAsync(Timeout, Ct);

        var created = fixture.Server.Created.Single(c => c.Id == sandbox.Id);
        Assert.Equal(request.SessionId, created.Tags["agent-runtime.session"]);
        Assert.Equal("acme", created.Tags["agent-runtime.tenant"]);
        Assert.Contains(lines, l => l.Contains("npm ci", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Step 1/", StringComparison.Ordinal));
        await sandbox.TerminateAsync(Ct);
        await again.TerminateAsync(Ct);
    }

    [Fact]
    public async Task Create_SameImageDefinition_IsBuiltOnce()
    {
        using var provider = fixture.CreateProvider(o => o.ImageCommands.Add("RUN echo once-" + Guid.NewGuid().ToString("N")));
        var before = fixture.Server.Calls("ImageJoinStreaming");

        await (await provider.CreateAsync(Request(), Ct).WaitAsync(Timeout, Ct)).TerminateAsync(Ct);
        await (await provider.CreateAsync(Request(), Ct).WaitAsync(Timeout, Ct)).TerminateAsync(Ct);

        Assert.Equal(before + 1, fixture.Server.Calls("ImageJoinStreaming"));
    }

    [Fact]
    public async Task Create_BadToken_FailsWithSandboxAuthAndTheServersMessage()
    {
        using var provider = fixture.CreateProvider(o => o.TokenSecret = "as-wrong");
        var before = fixture.Server.Calls("SandboxCreate");

        var error = await Assert.ThrowsAsync<SandboxException>(() => provider.CreateAsync(Request(), Ct)).WaitAsync(Timeout, Ct);

        Assert.Equal("sandbox_auth", error.Code);
        Assert.Contains("Token ID or secret is invalid", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, fixture.Server.Calls("SandboxCreate"));
    }

    [Fact]
    public async Task Create_NoTokenAtAll_FailsWithSandboxAuthNamingTheSettings()
    {
        using var provider = fixture.CreateProvider(o => (o.TokenId, o.TokenSecret) = ("", ""));

        var error = await Assert.ThrowsAsync<SandboxException>(() => provider.CreateAsync(Request(), Ct)).WaitAsync(Timeout, Ct);

        // With MODAL_TOKEN_ID/SECRET in the environment those are used, and the fake refuses them instead.
        Assert.Equal("sandbox_auth", error.Code);
        Assert.Contains(Environment.GetEnvironmentVariable("MODAL_TOKEN_ID") is { Length: > 0 } ? "Token ID or secret is invalid" : "AgentRuntime:Modal:TokenId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_TransientUnavailable_IsRetried()
    {
        using var provider = fixture.CreateProvider();
        var before = fixture.Server.Calls("AppGetOrCreate");
        fixture.Server.FailNext("AppGetOrCreate", StatusCode.Unavailable, times: 2);
        fixture.Server.FailNext("TaskExecStdinWrite", StatusCode.Unavailable);

        var sandbox = await provider.CreateAsync(Request(), Ct).WaitAsync(Timeout, Ct);
        await sandbox.WriteFileAsync(SandboxRoot.Workspace, "retried.txt", "still whole"u8.ToArray(), Ct).WaitAsync(Timeout, Ct);

        Assert.Equal(before + 3, fixture.Server.Calls("AppGetOrCreate"));
        Assert.Equal("still whole", Encoding.UTF8.GetString((await sandbox.ReadFileAsync(SandboxRoot.Workspace, "retried.txt", Ct).WaitAsync(Timeout, Ct))!));
        await sandbox.TerminateAsync(Ct);
    }

    [Fact]
    public async Task Create_SandboxCreateUnavailable_IsNotRetried()
    {
        using var provider = fixture.CreateProvider();
        await (await provider.CreateAsync(Request(), Ct).WaitAsync(Timeout, Ct)).TerminateAsync(Ct); // app and image ready
        var before = fixture.Server.Calls("SandboxCreate");
        fixture.Server.FailNext("SandboxCreate", StatusCode.Unavailable);

        var error = await Assert.ThrowsAsync<SandboxException>(() => provider.CreateAsync(Request(), Ct)).WaitAsync(Timeout, Ct);

        // Retrying a create whose answer was lost could start a second sandbox: it fails once, clearly.
        Assert.Equal("sandbox_unavailable", error.Code);
        Assert.Equal(before + 1, fixture.Server.Calls("SandboxCreate"));
    }

    [Fact]
    public async Task Create_QuotaReached_FailsWithSandboxQuota()
    {
        using var provider = fixture.CreateProvider();
        fixture.Server.FailNext("SandboxCreate", StatusCode.ResourceExhausted);

        var error = await Assert.ThrowsAsync<SandboxException>(() => provider.CreateAsync(Request(), Ct)).WaitAsync(Timeout, Ct);

        Assert.Equal("sandbox_quota", error.Code);
    }

    [Fact]
    public async Task Create_ImageBuildFails_SaysSoWithTheLogTail()
    {
        using var provider = fixture.CreateProvider(o => o.ImageCommands.Add("RUN exit 1 # " + Guid.NewGuid().ToString("N")));
        var before = fixture.Server.Calls("SandboxCreate");

        var error = await Assert.ThrowsAsync<SandboxException>(() => provider.CreateAsync(Request(), Ct)).WaitAsync(Timeout, Ct);

        Assert.Equal("sandbox_image_build", error.Code);
        Assert.Contains("returned a non-zero code", error.Message, StringComparison.Ordinal);
        Assert.Contains("step failed with exit code 1", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, fixture.Server.Calls("SandboxCreate"));
    }

    [Fact]
    public async Task Attach_ARunningSandboxAfterARestart_GetsTheSameOneWithItsFiles()
    {
        using var first = fixture.CreateProvider();
        var sandbox = await first.CreateAsync(Request(), Ct).WaitAsync(Timeout, Ct);
        await sandbox.WriteFileAsync(SandboxRoot.Workspace, "kept.txt", "kept"u8.ToArray(), Ct).WaitAsync(Timeout, Ct);
        await sandbox.DetachAsync(Ct);
        var creates = fixture.Server.Calls("SandboxCreate");

        using var second = fixture.CreateProvider();
        var attached = await second.AttachAsync(sandbox.Id, Request(), Ct).WaitAsync(Timeout, Ct);

        Assert.NotNull(attached);
        Assert.Equal(sandbox.Id, attached.Id);
        Assert.Equal("kept", Encoding.UTF8.GetString((await attached.ReadFileAsync(SandboxRoot.Workspace, "kept.txt", Ct).WaitAsync(Timeout, Ct))!));
        Assert.Equal(creates, fixture.Server.Calls("SandboxCreate"));
        Assert.Contains(sandbox.Id, fixture.Server.Running);
        await attached.TerminateAsync(Ct);
        Assert.DoesNotContain(sandbox.Id, fixture.Server.Running);
    }

    [Fact]
    public async Task Attach_ASandboxThatEnded_ReturnsNull_AndItsHolderSeesItEnd()
    {
        using var provider = fixture.CreateProvider();
        var sandbox = await provider.CreateAsync(Request(), Ct).WaitAsync(Timeout, Ct);

        await fixture.Server.LoseAsync(sandbox.Id);

        await sandbox.Terminated.WaitAsync(Timeout, Ct);
        Assert.Null(await provider.AttachAsync(sandbox.Id, Request(), Ct).WaitAsync(Timeout, Ct));
        Assert.Null(await provider.AttachAsync("sb-neverexisted0000000000", Request(), Ct).WaitAsync(Timeout, Ct));
        Assert.Null(await provider.AttachAsync("local-12345678-12345678", Request(), Ct).WaitAsync(Timeout, Ct));
    }

    [Fact]
    public async Task Process_KilledAgent_StopsAndReportsKilled()
    {
        using var provider = fixture.CreateProvider();
        var sandbox = await provider.CreateAsync(Request(), Ct).WaitAsync(Timeout, Ct);
        var process = await sandbox.StartProcessAsync(new SandboxProcessSpec { Command = "cat" }, Ct).WaitAsync(Timeout, Ct);

        process.Kill();

        Assert.Equal(137, await process.Exited.WaitAsync(Timeout, Ct));
        await process.DisposeAsync();
        await sandbox.TerminateAsync(Ct);
    }

    private sealed class SyncProgress(List<string> lines) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (lines)
            {
                lines.Add(value);
            }
        }
    }
}
