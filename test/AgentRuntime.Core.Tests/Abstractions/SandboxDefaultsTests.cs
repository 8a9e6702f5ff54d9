using System.Text;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Core.Tests.Abstractions;

/// <summary>
/// The default members of <see cref="ISandbox"/>, for providers that implement only the required ones (the abstractions
/// have no test project of their own).
/// </summary>
public sealed class SandboxDefaultsTests
{
    private readonly ISandbox _sandbox = new WholeFileSandbox(new() { ["t.jsonl"] = "0123456789"u8.ToArray() });

    [Theory]
    [InlineData(0, 4, "0123")]
    [InlineData(6, 100, "6789")]
    [InlineData(3, 0, "")]
    [InlineData(10, 5, "")]
    [InlineData(5000, 5, "")]
    public async Task ReadFileRange_ByDefault_ReturnsTheRangeOfTheWholeFileAndItsLength(long offset, int maxBytes, string expected)
    {
        var range = await _sandbox.ReadFileRangeAsync(SandboxRoot.Home, "t.jsonl", offset, maxBytes, TestContext.Current.CancellationToken);

        Assert.Equal(expected, Encoding.UTF8.GetString(range!.Content.Span));
        Assert.Equal(10, range.Length);
        Assert.Null(range.Identity);
    }

    [Fact]
    public async Task ReadFileRange_ByDefault_OfAMissingFileIsNullAndANegativeOffsetOrCountThrows()
    {
        var ct = TestContext.Current.CancellationToken;

        Assert.Null(await _sandbox.ReadFileRangeAsync(SandboxRoot.Home, "missing.jsonl", 0, 10, ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _sandbox.ReadFileRangeAsync(SandboxRoot.Home, "t.jsonl", -1, 10, ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _sandbox.ReadFileRangeAsync(SandboxRoot.Home, "t.jsonl", 0, -1, ct));
    }

    /// <summary>A sandbox that can only read whole files from memory, and nothing else.</summary>
    private sealed class WholeFileSandbox(Dictionary<string, byte[]> files) : ISandbox
    {
        public string Id => "whole-file";

        public string WorkspacePath => "/sandbox/workspace";

        public string HomePath => "/sandbox/home";

        public Uri? ModelProxyUrl => null;

        public Uri? EgressProxyUrl => null;

        public Task Terminated => Task.CompletedTask;

        public Task<byte[]?> ReadFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) =>
            Task.FromResult(files.GetValueOrDefault(relativePath));

        public Task<ISandboxProcess> StartProcessAsync(SandboxProcessSpec spec, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task WriteFileAsync(SandboxRoot root, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> DeleteFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> CheckHealthAsync(CancellationToken cancellationToken) => Task.FromResult(true);

        public Task TerminateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
