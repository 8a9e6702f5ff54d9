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
    /// A key sent as <c>Authorization: Bearer</c> with every request and hub connection. The server does not check
    /// one today; a proxy in front of it may.
    /// </summary>
    public string? ApiKey { get; set; }

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
