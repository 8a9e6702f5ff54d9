using System.Text.Json;

namespace AgentRuntime.Client.Internal;

/// <summary>Turns an error answer into an <see cref="AgentRuntimeApiException"/>, reading problem details when the body has them.</summary>
internal static class ProblemDetailsReader
{
    public static async Task<AgentRuntimeApiException> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var title = response.ReasonPhrase ?? response.StatusCode.ToString();
        string? detail = null;
        IReadOnlyList<string> errors = [];
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
                    if (document.RootElement.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array)
                    {
                        errors = [.. list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)];
                    }
                }
            }
            catch (JsonException)
            {
                // Not problem details (a proxy's HTML page, say): the body itself is the best detail there is.
                detail = body.Length > 500 ? body[..500] : body;
            }
        }

        return new AgentRuntimeApiException(response.StatusCode, title, detail) { RetryAfter = RetryAfterOf(response), Errors = errors };
    }

    /// <summary><c>Retry-After</c> as a wait: the server sends seconds; an HTTP date (a proxy's) counts from now.</summary>
    private static TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        // The client has no clock of its own to inject; a date only ever comes from something in between.
        { Date: { } date } => TimeSpan.FromTicks(Math.Max(0, (date - TimeProvider.System.GetUtcNow()).Ticks)),
        _ => null,
    };

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
