using System.Security.Cryptography;
using AgentRuntime.Architectures;
using AgentRuntime.Persistence;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Sessions;

/// <summary>
/// Keeps the stored copy of an agent's native transcript in step with the sandbox, reading at the end of a turn only
/// what is new. Agents append to their transcripts, so per file it keeps the stored length, a hash of the last
/// <see cref="CheckBytes"/> stored bytes (the check window) and, when the sandbox gives one, the file's identity
/// (device and inode) — not the content. Each listed file is read from <c>length - CheckBytes</c> on, in one ranged
/// read: when the window still holds what is stored and the identity is the same, only the bytes after it are
/// appended. A file that shrank, whose window differs or that is another file now (renamed over the old one) is read
/// again and stored whole.
/// <para>
/// The blind spot, accepted: a file changed in place only before its window — same identity, the last
/// <see cref="CheckBytes"/> before the stored end untouched, the length the same or greater — is taken for unchanged or
/// appended to, and the store keeps the old bytes. Files up to <see cref="CheckBytes"/> are compared whole. The agents
/// append to their transcripts; catching edits anywhere would mean reading and hashing the whole file every turn, which
/// is what this replaced (issue 13 measured 431 ms per turn at 50 MB). A file with nothing new costs one read of its
/// window.
/// </para>
/// <para>
/// At most <see cref="MaxReadBytes"/> of a file are read in one turn, so an agent cannot make the server read
/// gigabytes when the turn ends: a file that grew by more is stored that much per turn, each continuing where the last
/// stopped (the window check holds across the pieces).
/// </para>
/// </summary>
/// <param name="sessionId">The session whose transcript this is.</param>
/// <param name="store">Where it is stored.</param>
/// <param name="maxReadBytes">The most read of one file in one turn; tests make it small.</param>
internal sealed class TranscriptSync(string sessionId, IAgentStore store, int maxReadBytes = TranscriptSync.MaxReadBytes)
{
    /// <summary>How many bytes before the stored end are read again to see whether the file was rewritten.</summary>
    public const int CheckBytes = 4096;

    /// <summary>The most read of one file in one turn (besides the window), unless the constructor says otherwise.</summary>
    public const int MaxReadBytes = 64 << 20;

    private readonly Dictionary<string, StoredFile> _stored = new(StringComparer.Ordinal);

    public bool HasFiles => _stored.Count > 0;

    /// <summary>Loads the stored transcript and remembers what is stored.</summary>
    public async Task<IReadOnlyList<NativeTranscriptFile>> LoadAsync(CancellationToken cancellationToken)
    {
        var files = await store.LoadTranscriptAsync(sessionId, cancellationToken).ConfigureAwait(false);
        _stored.Clear();
        foreach (var file in files)
        {
            // The files are written into a new sandbox afresh, so their identity there is not known yet.
            _stored[file.RelativePath] = new StoredFile(file.Content.Length, WindowHash(file.Content), Identity: null);
        }

        return files;
    }

    /// <summary>Writes the stored transcript into a new sandbox's home.</summary>
    public async Task RestoreAsync(ISandbox sandbox, CancellationToken cancellationToken)
    {
        foreach (var file in await LoadAsync(cancellationToken).ConfigureAwait(false))
        {
            await sandbox.WriteFileAsync(SandboxRoot.Home, file.RelativePath, file.Content, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stores what changed in the transcript directories since the last call.</summary>
    public async Task SaveAsync(ISandbox sandbox, IReadOnlyList<string> directories, CancellationToken cancellationToken)
    {
        foreach (var directory in directories)
        {
            foreach (var entry in await sandbox.ListFilesAsync(SandboxRoot.Home, directory, cancellationToken).ConfigureAwait(false))
            {
                await SaveFileAsync(sandbox, entry.RelativePath, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task SaveFileAsync(ISandbox sandbox, string path, CancellationToken cancellationToken)
    {
        if (!_stored.TryGetValue(path, out var known))
        {
            // New: everything there is is new.
            if (await ReadAsync(sandbox, path, 0, maxReadBytes, cancellationToken).ConfigureAwait(false) is { } created)
            {
                await store.AppendTranscriptAsync(sessionId, path, created.Content, cancellationToken).ConfigureAwait(false);
                _stored[path] = new StoredFile(created.Content.Length, WindowHash(created.Content.Span), created.Identity);
            }

            return;
        }

        var window = (int)Math.Min(CheckBytes, known.Length);
        var offset = known.Length - window;
        var range = await ReadAsync(sandbox, path, offset, window + maxReadBytes, cancellationToken).ConfigureAwait(false);
        if (range is null)
        {
            return;
        }

        if (range.Length >= known.Length
            && range.Content.Length >= window
            && (known.Identity is null || range.Identity is null || known.Identity == range.Identity)
            && SHA256.HashData(range.Content.Span[..window]).AsSpan().SequenceEqual(known.WindowHash))
        {
            var tail = range.Content[window..];
            if (tail.Length > 0)
            {
                await store.AppendTranscriptAsync(sessionId, path, tail, cancellationToken).ConfigureAwait(false);
            }

            // What was read ends where the stored copy now ends, and holds at least its last CheckBytes (or all of it).
            _stored[path] = new StoredFile(known.Length + tail.Length, WindowHash(range.Content.Span), range.Identity ?? known.Identity);
            return;
        }

        // Rewritten: read from the start. A file that fitted in its window was just read whole.
        var whole = offset == 0 && range.Content.Length <= maxReadBytes
            ? range
            : await ReadAsync(sandbox, path, 0, maxReadBytes, cancellationToken).ConfigureAwait(false);
        if (whole is null)
        {
            return;
        }

        await store.ReplaceTranscriptAsync(sessionId, path, whole.Content, cancellationToken).ConfigureAwait(false);
        _stored[path] = new StoredFile(whole.Content.Length, WindowHash(whole.Content.Span), whole.Identity);
    }

    private static async Task<SandboxFileRange?> ReadAsync(ISandbox sandbox, string path, long offset, int maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            return await sandbox.ReadFileRangeAsync(SandboxRoot.Home, path, offset, maxBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException)
        {
            return null; // Swapped for a link or removed while being read; the next turn stores what stays.
        }
    }

    private static byte[] WindowHash(ReadOnlySpan<byte> content) =>
        SHA256.HashData(content[Math.Max(0, content.Length - CheckBytes)..]);

    /// <param name="Length">How many bytes of the file are stored.</param>
    /// <param name="WindowHash">The SHA-256 of the last <see cref="CheckBytes"/> of them (of all, when fewer).</param>
    /// <param name="Identity">The sandbox's identity of the file they were read from, when it gives one.</param>
    private sealed record StoredFile(long Length, byte[] WindowHash, string? Identity);
}
