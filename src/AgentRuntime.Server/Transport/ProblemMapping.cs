using AgentRuntime.Persistence;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

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
        catch (NoTurnRunningException ex)
        {
            return Problem(StatusCodes.Status409Conflict, "No turn running", ex.Message);
        }
        catch (ApprovalNotFoundException ex)
        {
            return Problem(StatusCodes.Status404NotFound, "Approval not found", ex.Message);
        }
        catch (ApprovalAlreadyResolvedException ex)
        {
            return Problem(StatusCodes.Status409Conflict, "Approval already decided", ex.Message);
        }
        catch (LimitExceededException ex)
        {
            return TooManyRequests(ex.Limit, ex.Message, ex.RetryAfter);
        }
        catch (NodeStoppingException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Session moving", $"{ex.Message} Try again.");
        }
        catch (Persistence.EventLogConflictException ex)
        {
            // Another node wrote the session's log meanwhile; the session is reloaded from the store at the next call.
            return Problem(StatusCodes.Status409Conflict, "Session written elsewhere", $"{ex.Message} Try again.");
        }
        catch (WorkspaceFileChangedException ex)
        {
            return Problem(StatusCodes.Status409Conflict, "File changed while read", $"{ex.Message} Try again.");
        }
        catch (Profiles.ProfileValidationException ex)
        {
            // The problems one by one, each "field: message", for a form to show next to its fields.
            return TypedResults.Problem(detail: ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid profile",
                extensions: new Dictionary<string, object?> { ["errors"] = ex.Errors });
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

    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    /// <summary>429 with <c>Retry-After</c> (whole seconds) and a problem body naming the limit.</summary>
    public static IResult TooManyRequests(string limit, string detail, TimeSpan retryAfter) => new RetryAfterResult(
        (int)Math.Ceiling(Math.Max(retryAfter.TotalSeconds, 1)),
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status429TooManyRequests, title: "Limit reached", extensions: new Dictionary<string, object?> { ["limit"] = limit }));

    private sealed class RetryAfterResult(int seconds, IResult problem) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return problem.ExecuteAsync(httpContext);
        }
    }
}
