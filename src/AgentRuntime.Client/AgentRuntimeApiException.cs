using System.Net;

namespace AgentRuntime.Client;

/// <summary>
/// The server answered a request with an error. The server sends RFC 7807 problem details; their
/// <see cref="Title"/> and <see cref="Detail"/> are kept here, and the message reads
/// <c>404 Session not found: Session 'x' was not found.</c>
/// </summary>
/// <remarks>
/// The statuses a caller usually handles: 401 (no credential, or one that is invalid or was revoked; also when the hub
/// refuses to connect), 403 (the credential lacks a scope), 404 (missing, or another tenant's), 409 (a turn is
/// running) and 429 (a limit of the tenant; <see cref="RetryAfter"/> says when to try again).
/// </remarks>
public sealed class AgentRuntimeApiException : Exception
{
    /// <summary>Creates an exception for an error answer.</summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="title">The problem's title, or the status code's reason phrase when the body had none.</param>
    /// <param name="detail">The problem's detail, when given.</param>
    /// <param name="innerException">The error that caused this one, if any.</param>
    public AgentRuntimeApiException(HttpStatusCode statusCode, string title, string? detail, Exception? innerException = null)
        : base(detail is null ? $"{(int)statusCode} {title}" : $"{(int)statusCode} {title}: {detail}", innerException)
    {
        StatusCode = statusCode;
        Title = title;
        Detail = detail;
    }

    /// <summary>The HTTP status code, such as 404 or 409.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The problem's title, such as <c>Session not found</c>.</summary>
    public string Title { get; }

    /// <summary>The problem's detail, which names what was wrong.</summary>
    public string? Detail { get; }

    /// <summary>
    /// How long the server asked to wait before trying again (its <c>Retry-After</c> header, sent with 429 when a limit
    /// is reached), or <see langword="null"/> when it did not say.
    /// </summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// The problems one by one, when the server listed them (a profile it refused: each <c>field: message</c>, such as
    /// <c>skills[0].name: ...</c>); empty otherwise.
    /// </summary>
    public IReadOnlyList<string> Errors { get; init; } = [];
}
