using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace AgentRuntime.OpenApi;

/// <summary>
/// What a route reads and what it may answer, for the OpenAPI document. The handlers read their bodies themselves (so a
/// malformed one is a 400 or 415 that names the problem) and the error answers come from exceptions the endpoint filter
/// maps (<see cref="Transport.ProblemMapping"/>): neither shows in a handler's signature, so the routes declare them.
/// </summary>
internal static class ResponseMetadata
{
    public const string ProblemContentType = "application/problem+json";

    /// <summary>Error answers, each an RFC 7807 problem.</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statusCodes)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statusCodes)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), [ProblemContentType]));
        }

        return builder;
    }

    /// <summary>A JSON body of <typeparamref name="T"/>, and the problems a body may cause: malformed (400), too large (413), not JSON (415).</summary>
    public static RouteHandlerBuilder AcceptsJson<T>(this RouteHandlerBuilder builder)
        where T : notnull =>
        builder.WithMetadata(new DocumentedBody(typeof(T), "application/json"))
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

    /// <summary>A body of bytes of <paramref name="contentType"/>, read as it is.</summary>
    public static RouteHandlerBuilder AcceptsStream(this RouteHandlerBuilder builder, string contentType) =>
        builder.WithMetadata(new DocumentedBody(typeof(Stream), contentType));

    /// <summary>A success answer that is a stream of bytes of <paramref name="contentType"/>, not JSON.</summary>
    public static RouteHandlerBuilder ProducesStream(this RouteHandlerBuilder builder, string contentType, int statusCode = StatusCodes.Status200OK) =>
        builder.Produces(statusCode, typeof(Stream), contentType);
}

/// <summary>
/// A request body, for the document only. <c>Accepts()</c> would list its content types, and routing enforces those
/// with a bare 415 before the handler runs, where the handler's own 415 problem (naming what it got) belongs. This one
/// lists none, so routing leaves the request alone, and <see cref="RequestBodyContentTypes"/> gives the document its content type.
/// </summary>
internal sealed class DocumentedBody(Type type, string contentType) : IAcceptsMetadata
{
    public string ContentType { get; } = contentType;

    IReadOnlyList<string> IAcceptsMetadata.ContentTypes => [];

    Type? IAcceptsMetadata.RequestType => type;

    bool IAcceptsMetadata.IsOptional => false;
}
