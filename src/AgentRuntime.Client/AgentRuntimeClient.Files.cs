using System.Net.Http.Headers;
using AgentRuntime.Api;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;

namespace AgentRuntime.Client;

// The workspace file API. Paths are relative to the workspace, with forward slashes; each segment is escaped here.
public sealed partial class AgentRuntimeClient
{
    /// <summary><c>GET /api/sessions/{id}/files</c>: the workspace's files as last stored.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">404 when there is no such session.</exception>
    public Task<IReadOnlyList<WorkspaceFileInfo>> ListFilesAsync(string sessionId, CancellationToken cancellationToken = default) =>
        GetAsync($"api/sessions/{Escape(sessionId)}/files", AgentRuntimeJsonContext.Default.IReadOnlyListWorkspaceFileInfo, cancellationToken);

    /// <summary><c>GET /api/sessions/{id}/files/{path}</c>: a file's content, from persistence (no sandbox needed).</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="path">The file's path in the workspace.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">404 when there is no such file; 400 for a path the server refuses.</exception>
    /// <exception cref="ArgumentException">The path has a <c>.</c> or <c>..</c> segment.</exception>
    public async Task<byte[]> ReadFileAsync(string sessionId, string path, CancellationToken cancellationToken = default)
    {
        using var response = await SendRawAsync(HttpMethod.Get, FilePath(sessionId, path), null, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>PUT /api/sessions/{id}/files/{path}</c>: writes a file; the agent sees it on its next turn.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="path">The file's path in the workspace.</param>
    /// <param name="content">The file's bytes.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The stored path, its size, and whether it was new or changed.</returns>
    /// <exception cref="AgentRuntimeApiException">413 over the server's <c>MaxFileBytes</c>; 400 for a path the server refuses.</exception>
    /// <exception cref="ArgumentException">The path has a <c>.</c> or <c>..</c> segment.</exception>
    public Task<FileWritten> WriteFileAsync(string sessionId, string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var body = new ReadOnlyMemoryContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return SendAsync(HttpMethod.Put, FilePath(sessionId, path), body, AgentRuntimeJsonContext.Default.FileWritten, cancellationToken);
    }

    /// <summary><c>DELETE /api/sessions/{id}/files/{path}</c>: deletes a file.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="path">The file's path in the workspace.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">404 when there is no such file.</exception>
    public async Task DeleteFileAsync(string sessionId, string path, CancellationToken cancellationToken = default)
    {
        using var response = await SendRawAsync(HttpMethod.Delete, FilePath(sessionId, path), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>GET /api/sessions/{id}/files.zip</c>: copies a zip of the stored workspace into <paramref name="destination"/>.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="destination">Where the zip's bytes go.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <exception cref="AgentRuntimeApiException">404 when there is no such session.</exception>
    public async Task DownloadWorkspaceZipAsync(string sessionId, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var response = await SendRawAsync(HttpMethod.Get, $"api/sessions/{Escape(sessionId)}/files.zip", null, cancellationToken).ConfigureAwait(false);
        await response.Content.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    private static string FilePath(string sessionId, string path)
    {
        var segments = path.Split('/');

        // A URI's dot segments are resolved before the request leaves, so "a/../b" would name another endpoint
        // rather than reach the server's own check; refuse it here. The server judges everything else.
        if (segments.Any(s => s is "." or ".."))
        {
            throw new ArgumentException($"The path '{path}' has a '.' or '..' segment; workspace paths stay inside the workspace.", nameof(path));
        }

        return $"api/sessions/{Escape(sessionId)}/files/{string.Join('/', segments.Select(Uri.EscapeDataString))}";
    }
}
