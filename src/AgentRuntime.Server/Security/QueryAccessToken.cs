using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace AgentRuntime.Security;

/// <summary>
/// The <c>access_token</c> a request carried in its query string (browsers cannot set headers on an EventSource or a
/// WebSocket, so SSE and SignalR clients send their credential there). It is taken out of the URL before the request
/// reaches anything that logs it: see <see cref="QueryAccessTokenServer"/>.
/// </summary>
internal sealed record QueryAccessTokenFeature(string Token)
{
    public const string ParameterName = "access_token";
}

/// <summary>
/// Wraps the server (Kestrel) so that every request's <c>access_token</c> query parameter is moved into a
/// <see cref="QueryAccessTokenFeature"/> before ASP.NET Core's hosting layer sees the request. Hosting logs each
/// request's URL ("Request starting …") and tags its activity with it before any middleware runs, so removing the
/// token in middleware would be too late; here it never reaches a log, a trace or a diagnostic listener.
/// </summary>
internal sealed class QueryAccessTokenServer(IServer inner) : IServer
{
    public IFeatureCollection Features => inner.Features;

    /// <summary>Replaces the registered <see cref="IServer"/> with this wrapper around it; a no-op when none is registered yet.</summary>
    public static void Decorate(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IServer));
        if (registered is null || registered.ImplementationType == typeof(QueryAccessTokenServer))
        {
            return;
        }

        services.Remove(registered);
        services.AddSingleton<IServer>(sp => new QueryAccessTokenServer(registered switch
        {
            { ImplementationInstance: IServer instance } => instance,
            { ImplementationFactory: { } factory } => (IServer)factory(sp),
            _ => (IServer)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!),
        }));
    }

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull =>
        inner.StartAsync(new Application<TContext>(application), cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

    public void Dispose() => inner.Dispose();

    /// <summary>Takes the token out of the request's query string and raw target, keeping every other parameter.</summary>
    internal static void MoveToken(IFeatureCollection features)
    {
        var request = features.Get<IHttpRequestFeature>();
        if (request is null || !request.QueryString.Contains(QueryAccessTokenFeature.ParameterName, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var query = QueryHelpers.ParseQuery(request.QueryString);
        if (!query.Remove(QueryAccessTokenFeature.ParameterName, out var token))
        {
            return;
        }

        var kept = QueryString.Create(query.SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v))));
        request.QueryString = kept.Value ?? "";
        var rawPath = request.RawTarget.Split('?', 2)[0];
        request.RawTarget = rawPath + request.QueryString;
        if (!StringValues.IsNullOrEmpty(token))
        {
            features.Set(new QueryAccessTokenFeature(token.ToString()));
        }
    }

    private sealed class Application<TContext>(IHttpApplication<TContext> inner) : IHttpApplication<TContext> where TContext : notnull
    {
        public TContext CreateContext(IFeatureCollection contextFeatures)
        {
            MoveToken(contextFeatures);
            return inner.CreateContext(contextFeatures);
        }

        public Task ProcessRequestAsync(TContext context) => inner.ProcessRequestAsync(context);

        public void DisposeContext(TContext context, Exception? exception) => inner.DisposeContext(context, exception);
    }
}
