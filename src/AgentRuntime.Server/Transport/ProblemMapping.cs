using AgentRuntime.Persistence;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Http;

namespace AgentRuntime.Transport;

/// <summary>Turns the runtime's exceptions into RFC 7807 problem details with the right status code.</summary>
internal static class ProblemMapping
{
    public static async ValueTask<object?> MapExceptionsAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (SessionNotFoundException ex)
        {
            return Problem(StatusCodes.Status404NotFound, "Session not found", ex.Message);
        }
        catch (TurnInProgressException ex)
        {
            return Problem(StatusCodes.Status409Conflict, "Turn in progress", ex.Message);
        }
        catch (WorkspaceFileChangedException ex)
        {
            return Problem(StatusCodes.Status409Conflict, "File changed while read", $"{ex.Message} Try again.");
        }
        catch (BadRequestException ex)
        {
            return Problem(ex.StatusCode, ex.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => "Request too large",
                StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
                _ => "Malformed request",
            }, ex.Message);
        }
        catch (ArgumentException ex)
        {
            // ArgumentException appends " (Parameter 'x')" to its message; the detail reads better without it.
            var detail = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal);
            return Problem(StatusCodes.Status400BadRequest, "Invalid request", detail);
        }
    }

    public static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);
}
