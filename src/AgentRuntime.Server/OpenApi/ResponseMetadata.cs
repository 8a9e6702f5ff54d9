using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
        builder.Accepts<T>("application/json")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

    /// <summary>A success answer that is a stream of bytes of <paramref name="contentType"/>, not JSON.</summary>
    public static RouteHandlerBuilder ProducesStream(this RouteHandlerBuilder builder, string contentType, int statusCode = StatusCodes.Status200OK) =>
        builder.Produces(statusCode, typeof(Stream), contentType);
}
