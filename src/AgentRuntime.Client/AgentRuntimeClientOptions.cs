using Microsoft.AspNetCore.Http.Connections.Client;

namespace AgentRuntime.Client;

/// <summary>Settings of an <see cref="AgentRuntimeClient"/>.</summary>
public sealed class AgentRuntimeClientOptions
{
    /// <summary>
    /// The server's address, such as <c>http://127.0.0.1:5080</c>. When absent, the <see cref="HttpClient"/>'s
    /// <see cref="System.Net.Http.HttpClient.BaseAddress"/> is used.
    /// </summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>
    /// An API key (<c>ar_…</c>, made with <see cref="AgentRuntimeClient.CreateKeyAsync"/> or the one the server writes to
    /// <c>&lt;DataDirectory&gt;/admin.key</c> at its first start), sent as <c>Authorization: Bearer</c> with every REST
    /// call and as the hub connection's access token. For a credential that changes over time (a JWT that is renewed),
    /// use <see cref="AccessTokenProvider"/> instead; setting both is an error.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Gives the credential to send as <c>Authorization: Bearer</c>: asked before every REST call and each time the hub
    /// connection starts (so a renewed token is used from the next call, and when a subscription reconnects). Return
    /// <see langword="null"/> to send none. The client does not cache what it returns; cache in the provider if getting
    /// a token is costly. Setting it together with <see cref="ApiKey"/> is an error.
    /// </summary>
    /// <remarks>
    /// The token is the REST call's own <see cref="CancellationToken"/>; for the hub connection, one that is cancelled
    /// when the client is disposed (SignalR asks for the token without one).
    /// </remarks>
    public Func<CancellationToken, ValueTask<string?>>? AccessTokenProvider { get; set; }

    /// <summary>
    /// The client for the REST calls. When set, the caller owns it (the client does not dispose it); when absent, the
    /// client creates and disposes its own.
    /// </summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>
    /// Pauses before each attempt to resubscribe after a dropped connection, in order; the last one repeats.
    /// The first is usually zero so a brief drop resumes at once.
    /// </summary>
    public IReadOnlyList<TimeSpan> ReconnectDelays { get; set; } =
        [TimeSpan.Zero, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

    /// <summary>
    /// How many resubscribe attempts in a row may fail (without an event arriving in between) before a subscription
    /// gives up and throws the last error. The default, with the default delays, keeps trying for about 90 seconds.
    /// </summary>
    public int MaxReconnectAttempts { get; set; } = 20;

    /// <summary>Adjusts the SignalR connection, e.g. its transports or a message handler; applied after the client's own settings.</summary>
    public Action<HttpConnectionOptions>? ConfigureHubConnection { get; set; }
}
