using System.Collections.Concurrent;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Acp.Tests.Support;

/// <summary>A sandbox whose files live in memory and whose processes are the ones a test hands it.</summary>
internal sealed class MemorySandbox : ISandbox
{
    private readonly ConcurrentDictionary<(SandboxRoot, string), byte[]> _files = new();
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Id => "memory";

    public string WorkspacePath => "/sandbox/workspace";

    public string HomePath => "/sandbox/home";

    public Uri? ModelProxyUrl => null;

    public Uri? EgressProxyUrl => null;

    public Task Terminated => _terminated.Task;

    /// <summary>What the next <see cref="StartProcessAsync"/> returns.</summary>
    public Func<SandboxProcessSpec, ISandboxProcess>? Start { get; set; }

    public List<SandboxProcessSpec> Started { get; } = [];

    public Task<ISandboxProcess> StartProcessAsync(SandboxProcessSpec spec, CancellationToken cancellationToken)
    {
        Started.Add(spec);
        return Task.FromResult(Start?.Invoke(spec) ?? throw new SandboxException($"Could not start '{spec.Command}'."));
    }

    public Task<byte[]?> ReadFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) =>
        Task.FromResult(_files.TryGetValue((root, relativePath), out var content) ? content : null);

    public Task<SandboxFileRange?> ReadFileRangeAsync(SandboxRoot root, string relativePath, long offset, int maxBytes, CancellationToken cancellationToken) =>
        Task.FromResult(_files.TryGetValue((root, relativePath), out var content)
            ? new SandboxFileRange(content.AsMemory((int)Math.Min(offset, content.Length), (int)Math.Clamp(content.Length - offset, 0, maxBytes)), content.Length)
            : null);

    public Task WriteFileAsync(SandboxRoot root, string relativePath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        _files[(root, relativePath)] = content.ToArray();
        return Task.CompletedTask;
    }

    public Task<bool> DeleteFileAsync(SandboxRoot root, string relativePath, CancellationToken cancellationToken) =>
        Task.FromResult(_files.TryRemove((root, relativePath), out _));

    public Task<IReadOnlyList<SandboxFileEntry>> ListFilesAsync(SandboxRoot root, string relativeDirectory, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SandboxFileEntry>>(_files
            .Where(f => f.Key.Item1 == root && f.Key.Item2.StartsWith(relativeDirectory.TrimEnd('/') + "/", StringComparison.Ordinal))
            .Select(f => new SandboxFileEntry(f.Key.Item2, f.Value.Length, DateTimeOffset.UnixEpoch))
            .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
            .ToList());

    public Task<bool> CheckHealthAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    public Task TerminateAsync(CancellationToken cancellationToken)
    {
        _terminated.TrySetResult();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => new(TerminateAsync(CancellationToken.None));
}
