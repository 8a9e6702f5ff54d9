using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentRuntime.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Transport;

/// <summary>Reads JSON request bodies so that a malformed one becomes a 400 that names the problem.</summary>
internal static class RequestBodies
{
    /// <param name="request">The request.</param>
    /// <param name="typeInfo">What the body is.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <param name="allowImages">Whether the body may carry a message's images: the limit grows by what they may take.</param>
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken, bool allowImages = false)
        where T : class
    {
        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<AgentRuntimeOptions>>().Value;
        // Base64 takes 4 bytes for every 3; the images are checked one by one once read.
        var limit = options.MaxMessageBytes + (allowImages ? ((long)options.MaxImagesPerMessage * options.MaxImageBytes * 4 / 3) + 1024 : 0);
        CheckJsonWithin(request, limit, $"AgentRuntime:MaxMessageBytes{(allowImages ? ", with the images AgentRuntime:MaxImagesPerMessage and MaxImageBytes allow" : "")}");

        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, typeInfo, cancellationToken).ConfigureAwait(false)
                ?? throw new BadRequestException("The request body is empty; a JSON object is expected.");
        }
        catch (JsonException ex)
        {
            throw new BadRequestException($"The request body is not valid JSON: {ex.Message}");
        }
        catch (BadHttpRequestException ex)
        {
            throw new BadRequestException(ex.Message, ex.StatusCode);
        }
    }

    /// <summary>
    /// Reads a JSON body whole, as bytes, for a reader stricter than the serializer's defaults (a profile's, which names
    /// every problem by its field). The content type and the size are checked as in <see cref="ReadAsync"/>, against
    /// <paramref name="limit"/>, which <paramref name="limitName"/> names in the error.
    /// </summary>
    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, long limit, string limitName, CancellationToken cancellationToken)
    {
        CheckJsonWithin(request, limit, limitName);
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.Length == 0 ? throw new BadRequestException("The request body is empty; a JSON object is expected.") : buffer.ToArray();
        }
        catch (BadHttpRequestException ex)
        {
            throw new BadRequestException(ex.Message, ex.StatusCode);
        }
    }

    private static void CheckJsonWithin(HttpRequest request, long limit, string limitName)
    {
        // Only JSON: a form or text/plain body is what a hostile web page can send without a CORS preflight.
        if (!request.HasJsonContentType())
        {
            throw new BadRequestException(
                $"The request body must be JSON (Content-Type: application/json), not '{request.ContentType ?? "none"}'.", StatusCodes.Status415UnsupportedMediaType);
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        if (request.ContentLength > limit)
        {
            throw new BadRequestException($"The request body is larger than {limit} bytes ({limitName}).", StatusCodes.Status413PayloadTooLarge);
        }
    }
}

/// <summary>The request is malformed (or too large); its message says how.</summary>
internal sealed class BadRequestException(string message, int statusCode = StatusCodes.Status400BadRequest) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
