using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace AgentRuntime.Transport;

/// <summary>Reads JSON request bodies so that a malformed one becomes a 400 that names the problem.</summary>
internal static class RequestBodies
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
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
            throw new BadRequestException(ex.Message);
        }
    }
}

/// <summary>The request is malformed; its message says how.</summary>
internal sealed class BadRequestException(string message) : Exception(message);
