using System.IO.Compression;
using AgentRuntime.Api;
using AgentRuntime.Events;
using AgentRuntime.Hosting;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static void MapFileApi(this RouteGroupBuilder sessions)
    {
        sessions.MapGet("/{id}/files", async (string id, IAgentSessionManager manager, CancellationToken ct) =>
            TypedResults.Ok(await manager.ListFilesAsync(id, ct)));

        sessions.MapGet("/{id}/files/{**path}", async Task<IResult> (string id, string path, IAgentSessionManager manager, CancellationToken ct) =>
        {
            var content = await manager.ReadFileAsync(id, Decode(path), ct);
            return content is null
                ? ProblemMapping.Problem(StatusCodes.Status404NotFound, "File not found", $"The workspace has no file '{Decode(path)}'.")
                : TypedResults.File(content, ContentTypeOf(path));
        });

        sessions.MapPut("/{id}/files/{**path}", async (string id, string path, HttpRequest request, IAgentSessionManager manager, IOptions<AgentRuntimeOptions> options, CancellationToken ct) =>
        {
            var decoded = Decode(path);
            WorkspacePaths.Normalize(decoded);
            var content = await ReadBodyAsync(request, options.Value.MaxFileBytes, ct);
            var change = await manager.WriteFileAsync(id, decoded, content, ct);
            return TypedResults.Ok(new FileWritten(WorkspacePaths.Normalize(decoded), content.Length, change is FileCreatedEvent, change is not null));
        });

        sessions.MapDelete("/{id}/files/{**path}", async Task<IResult> (string id, string path, IAgentSessionManager manager, CancellationToken ct) =>
            await manager.DeleteFileAsync(id, Decode(path), ct)
                ? TypedResults.NoContent()
                : ProblemMapping.Problem(StatusCodes.Status404NotFound, "File not found", $"The workspace has no file '{Decode(path)}'."));

        sessions.MapGet("/{id}/files.zip", async (string id, HttpContext context, IAgentSessionManager manager, CancellationToken ct) =>
        {
            var files = await manager.ListFilesAsync(id, ct);
            context.Response.ContentType = "application/zip";
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"workspace-{id}.zip\"";
            // ZipArchive writes synchronously at the end; buffer it rather than block a request thread on the network.
            using var buffer = new MemoryStream();
            using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var file in files)
                {
                    var content = await manager.ReadFileAsync(id, file.Path, ct);
                    if (content is null)
                    {
                        continue;
                    }

                    var entry = zip.CreateEntry(file.Path, CompressionLevel.Fastest);
                    entry.LastWriteTime = file.ModifiedAt;
                    await using var stream = entry.Open();
                    await stream.WriteAsync(content, ct);
                }
            }

            buffer.Position = 0;
            await buffer.CopyToAsync(context.Response.Body, ct);
        });
    }

    // Route values keep %2F encoded; decode it so "..%2Fsecret" is judged as the "../secret" it stands for.
    private static string Decode(string path) => Uri.UnescapeDataString(path);

    private static string ContentTypeOf(string path) =>
        ContentTypes.TryGetContentType(path, out var type) ? type : "application/octet-stream";

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, long limit, CancellationToken ct)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        if (request.ContentLength > limit)
        {
            throw new BadRequestException($"The file is larger than AgentRuntime:MaxFileBytes ({limit} bytes).", StatusCodes.Status413PayloadTooLarge);
        }

        using var buffer = new MemoryStream();
        try
        {
            await request.Body.CopyToAsync(buffer, ct);
        }
        catch (BadHttpRequestException ex)
        {
            throw new BadRequestException(ex.Message, ex.StatusCode);
        }

        return buffer.ToArray();
    }
}
