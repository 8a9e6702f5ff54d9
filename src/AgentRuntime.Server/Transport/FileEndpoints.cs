using System.IO.Compression;
using AgentRuntime.Api;
using AgentRuntime.Events;
using AgentRuntime.Hosting;
using AgentRuntime.OpenApi;
using AgentRuntime.Persistence;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Transport;

/// <summary>
/// The workspace file API. Reads come from persistence, so they work with no sandbox running; writes go into the
/// running sandbox (or persistence) and are reported as file events. Every path is checked before anything is touched.
/// </summary>
internal static class FileEndpoints
{
    private const string FilesTag = "Files";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static void MapFileApi(this RouteGroupBuilder session)
    {
        session.MapGet("/files", async (string id, IAgentSessionManager manager, CancellationToken ct) =>
            TypedResults.Ok(await manager.ListFilesAsync(id, ct)))
            .WithTags(FilesTag).WithName("ListFiles").WithSummary("The workspace's files (from the store: no sandbox needs to run).");

        session.MapGet("/files/{**path}", async Task<Results<FileStreamHttpResult, ProblemHttpResult>> (string id, string path, IAgentSessionManager manager, CancellationToken ct) =>
        {
            // Streamed from the store a chunk at a time; the result disposes the stream. The store's stream can seek,
            // so range requests come for free.
            var content = await manager.OpenFileAsync(id, Decode(path), ct);
            return content is null
                ? ProblemMapping.Problem(StatusCodes.Status404NotFound, "File not found", $"The workspace has no file '{Decode(path)}'.")
                : TypedResults.Stream(content, ContentTypeOf(path), enableRangeProcessing: true);
        }).ProducesStream("application/octet-stream").ProducesStream("application/octet-stream", StatusCodes.Status206PartialContent)
            .ProducesProblems(StatusCodes.Status400BadRequest)
            .WithTags(FilesTag).WithName("DownloadFile")
            .WithSummary("A workspace file's bytes, with the content type of its extension (application/octet-stream when unknown); ranges are served.");

        session.MapPut("/files/{**path}", async (string id, string path, HttpRequest request, IAgentSessionManager manager, IOptions<AgentRuntimeOptions> options, CancellationToken ct) =>
        {
            var decoded = Decode(path);
            WorkspacePaths.Normalize(decoded);
            var written = await WriteBodyAsync(request, id, decoded, manager, options.Value.MaxFileBytes, ct);
            return TypedResults.Ok(new FileWritten(written.Path, written.Size, written.Change is FileCreatedEvent, written.Change is not null));
        }).AcceptsStream("application/octet-stream").ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge)
            .WithTags(FilesTag).WithName("WriteFile").WithSummary("Writes the request body, as it is, to the workspace file (into the running sandbox, if any).");

        session.MapDelete("/files/{**path}", async Task<Results<NoContent, ProblemHttpResult>> (string id, string path, IAgentSessionManager manager, CancellationToken ct) =>
            await manager.DeleteFileAsync(id, Decode(path), ct)
                ? TypedResults.NoContent()
                : ProblemMapping.Problem(StatusCodes.Status404NotFound, "File not found", $"The workspace has no file '{Decode(path)}'."))
            .ProducesProblems(StatusCodes.Status400BadRequest)
            .WithTags(FilesTag).WithName("DeleteFile").WithSummary("Deletes the workspace file.");

        session.MapGet("/files.zip", async (string id, HttpContext context, IAgentSessionManager manager, IOptions<AgentRuntimeOptions> options, CancellationToken ct) =>
        {
            var files = await manager.ListFilesAsync(id, ct);
            context.Response.ContentType = "application/zip";
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"workspace-{id}.zip\"";
            // Built into a temporary file, then streamed from it: memory stays flat whatever the files' sizes, and no
            // thread blocks on the network. ZipArchive writes to its stream synchronously in places (Kestrel refuses
            // synchronous writes to a response, and writing the zip straight to it failed so), but a synchronous
            // write to a local file is harmless. The disk holds the compressed workspace for as long as the download.
            var directory = SpooledFile.DirectoryFor(options.Value);
            await using var buffer = SpooledFile.CreateTemporaryFile(directory, "zip");
            await using (var zip = await ZipArchive.CreateAsync(buffer, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct))
            {
                foreach (var file in files)
                {
                    await using var content = await ReadWholeAsync(manager, id, file.Path, directory, ct);
                    if (content is null)
                    {
                        continue; // Deleted since the listing.
                    }

                    var entry = zip.CreateEntry(file.Path, CompressionLevel.Fastest);
                    entry.LastWriteTime = file.ModifiedAt;
                    await using var stream = await entry.OpenAsync(ct);
                    await content.Rewind().CopyToAsync(stream, ct);
                }
            }

            buffer.Position = 0;
            context.Response.ContentLength = buffer.Length;
            await buffer.CopyToAsync(context.Response.Body, ct);
        }).ProducesStream("application/zip").ProducesProblems(StatusCodes.Status409Conflict)
            .WithTags(FilesTag).WithName("DownloadWorkspace").WithSummary("The whole workspace as a zip archive.");
    }

    /// <summary>
    /// One whole version of a stored file for the archive, or null when it is gone. The agent may replace a file while
    /// it is read (its turn saves the workspace as it goes); a zip entry cannot be taken back once begun, so the file
    /// is copied aside first and read again when it changed underneath, a few times before giving up with a 409.
    /// </summary>
    private static async Task<SpooledFile?> ReadWholeAsync(IAgentSessionManager manager, string id, string path, string directory, CancellationToken ct)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            Stream? content;
            try
            {
                content = await manager.OpenFileAsync(id, path, ct);
            }
            catch (ArgumentException)
            {
                return null; // Its directory is a link in the running sandbox now: not a file of the workspace any more.
            }

            if (content is null)
            {
                return null;
            }

            await using (content)
            {
                try
                {
                    return await SpooledFile.CopyAsync(content, long.MaxValue, directory, ct);
                }
                catch (WorkspaceFileChangedException) when (attempt < attempts)
                {
                }
            }
        }
    }

    // Route values keep %2F encoded; decode it so "..%2Fsecret" is judged as the "../secret" it stands for.
    private static string Decode(string path) => Uri.UnescapeDataString(path);

    private static string ContentTypeOf(string path) =>
        ContentTypes.TryGetContentType(path, out var type) ? type : "application/octet-stream";

    private static async Task<WorkspaceFileWrite> WriteBodyAsync(HttpRequest request, string id, string path, IAgentSessionManager manager, long limit, CancellationToken ct)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        if (request.ContentLength > limit)
        {
            throw new BadRequestException($"The file is larger than AgentRuntime:MaxFileBytes ({limit} bytes).", StatusCodes.Status413PayloadTooLarge);
        }

        // The manager copies the body to a temporary file as it arrives; Kestrel stops it past the limit.
        try
        {
            return await manager.WriteFileAsync(id, path, request.Body, ct);
        }
        catch (BadHttpRequestException ex)
        {
            throw new BadRequestException(ex.Message, ex.StatusCode);
        }
    }
}
