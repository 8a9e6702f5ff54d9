using System.Text.Json;

namespace AgentRuntime.Client.Internal;

/// <summary>Turns an error answer into an <see cref="AgentRuntimeApiException"/>, reading problem details when the body has them.</summary>
internal static class ProblemDetailsReader
{
    public static async Task<AgentRuntimeApiException> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var title = response.ReasonPhrase ?? response.StatusCode.ToString();
        string? detail = null;
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (body.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    title = StringOf(document.RootElement, "title") ?? title;
                    detail = StringOf(document.RootElement, "detail");
                }
            }
            catch (JsonException)
            {
                // Not problem details (a proxy's HTML page, say): the body itself is the best detail there is.
                detail = body.Length > 500 ? body[..500] : body;
            }
        }

        return new AgentRuntimeApiException(response.StatusCode, title, detail);
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
