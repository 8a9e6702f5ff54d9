using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;
using AgentRuntime.Api;
using AgentRuntime.Architectures;
using AgentRuntime.Client.Internal;
using AgentRuntime.Events;
using AgentRuntime.Profiles;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Client;

/// <summary>
/// A client of the agent runtime server: typed calls for the REST API (<c>docs/protocol.md</c>) and resumable event
/// subscriptions over the SignalR hub <c>/hubs/sessions</c>. Thread-safe; one instance serves many calls and
/// subscriptions, which share one hub connection. Errors from the server throw <see cref="AgentRuntimeApiException"/>.
/// </summary>
/// <remarks>
/// The server wants a credential on everything but <see cref="GetHealthAsync"/>: set
/// <see cref="AgentRuntimeClientOptions.ApiKey"/> or <see cref="AgentRuntimeClientOptions.AccessTokenProvider"/>.
/// Without one, or with one the server refuses (revoked, expired), calls throw <see cref="AgentRuntimeApiException"/>
/// with 401, and so do subscriptions: a subscription whose connection the server closes because its key was revoked
/// ends with that 401 instead of reconnecting.
/// </remarks>
public sealed partial class AgentRuntimeClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _baseAddress;
    private readonly Func<CancellationToken, ValueTask<string?>>? _accessToken;
    private readonly ReconnectPolicy _reconnect;
    private readonly HubConnectionHolder _hub;
    private readonly CancellationTokenSource _lifetime = new();

    /// <summary>Creates a client for the server at <paramref name="baseAddress"/>.</summary>
    /// <param name="baseAddress">The server's address, such as <c>http://127.0.0.1:5080</c>.</param>
    public AgentRuntimeClient(Uri baseAddress)
        : this(new AgentRuntimeClientOptions { BaseAddress = baseAddress })
    {
    }

    /// <summary>Creates a client with the given settings.</summary>
    /// <param name="options">The server's address, the credential, an optional HTTP client, and the reconnect policy.</param>
    /// <exception cref="ArgumentException">
    /// Neither the options nor their HTTP client give a base address, or both <see cref="AgentRuntimeClientOptions.ApiKey"/>
    /// and <see cref="AgentRuntimeClientOptions.AccessTokenProvider"/> are set.
    /// </exception>
    public AgentRuntimeClient(AgentRuntimeClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var address = options.BaseAddress ?? options.HttpClient?.BaseAddress
            ?? throw new ArgumentException("Set AgentRuntimeClientOptions.BaseAddress (or the HttpClient's BaseAddress).", nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxReconnectAttempts);
        if (options.ApiKey is not null && options.AccessTokenProvider is not null)
        {
            throw new ArgumentException("Set AgentRuntimeClientOptions.ApiKey or AccessTokenProvider, not both.", nameof(options));
        }

        // Relative paths resolve under the base's path only when it ends with a slash.
        _baseAddress = address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
        // One path for both: a key is a provider that always gives the same token.
        _accessToken = options.AccessTokenProvider ?? (options.ApiKey is { } key ? _ => ValueTask.FromResult<string?>(key) : null);
        _ownsHttp = options.HttpClient is null;
        _http = options.HttpClient ?? new HttpClient();
        _reconnect = new ReconnectPolicy(options.ReconnectDelays, options.MaxReconnectAttempts);
        _hub = new HubConnectionHolder(new HubConnectionBuilder()
            .WithUrl(new Uri(_baseAddress, "hubs/sessions"), connection =>
            {
                if (_accessToken is { } provider)
                {
                    // SignalR asks at each start (negotiate and transport), so a reconnect sends a renewed token.
                    connection.AccessTokenProvider = () => provider(_lifetime.Token).AsTask();
                }

                options.ConfigureHubConnection?.Invoke(connection);
            })
            .AddJsonProtocol(json => json.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AgentRuntimeJsonContext.Default))
            .Build());
    }

    /// <summary>The server's address the client talks to.</summary>
    public Uri BaseAddress => _baseAddress;

    /// <summary><c>GET /api/health</c>: whether the server is up, and its clock.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<HealthReport> GetHealthAsync(CancellationToken cancellationToken = default) =>
        GetAsync("api/health", AgentRuntimeJsonContext.Default.HealthReport, cancellationToken);

    /// <summary><c>GET /api/architectures</c>: the agent architectures and whether this server can run each now.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<IReadOnlyList<ArchitectureAvailability>> GetArchitecturesAsync(CancellationToken cancellationToken = default) =>
        GetAsync("api/architectures", AgentRuntimeJsonContext.Default.IReadOnlyListArchitectureAvailability, cancellationToken);

    /// <summary><c>GET /api/profiles</c>: the agent profiles sessions can be created with.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<IReadOnlyList<AgentProfileSummary>> ListProfilesAsync(CancellationToken cancellationToken = default) =>
        GetAsync("api/profiles", AgentRuntimeJsonContext.Default.IReadOnlyListAgentProfileSummary, cancellationToken);

    /// <summary><c>GET /api/profiles/{id}</c>: one profile in full.</summary>
    /// <param name="profileId">The profile's id, such as <c>default</c>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">404 when there is no such profile.</exception>
    public Task<AgentProfile> GetProfileAsync(string profileId, CancellationToken cancellationToken = default) =>
        GetAsync($"api/profiles/{Escape(profileId)}", AgentRuntimeJsonContext.Default.AgentProfile, cancellationToken);

    /// <summary><c>POST /api/sessions</c>: creates a session.</summary>
    /// <param name="agentProfileRef">The profile's id, such as <c>default</c>.</param>
    /// <param name="architecture">The architecture, such as <c>claude-agent-sdk</c>.</param>
    /// <param name="name">An optional display name.</param>
    /// <param name="files">Files to write into the workspace before the first turn: path → text.</param>
    /// <param name="tenantId">
    /// The tenant the session belongs to; when absent, the caller's own. Only an admin (scope <c>admin</c>) may name
    /// another tenant.
    /// </param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new session as the list shows it.</returns>
    /// <exception cref="AgentRuntimeApiException">
    /// 400 for an unknown profile or architecture, 403 for another tenant without the admin scope, 429 when the tenant
    /// has as many sessions as it may.
    /// </exception>
    public Task<SessionListItem> CreateSessionAsync(
        string agentProfileRef,
        string architecture,
        string? name = null,
        IReadOnlyDictionary<string, string>? files = null,
        string? tenantId = null,
        CancellationToken cancellationToken = default) =>
        SendAsync(
            HttpMethod.Post,
            "api/sessions",
            JsonContent.Create(new CreateSessionBody(agentProfileRef, architecture, name, files, tenantId), AgentRuntimeJsonContext.Default.CreateSessionBody),
            AgentRuntimeJsonContext.Default.SessionListItem,
            cancellationToken);

    /// <summary>
    /// <c>GET /api/sessions</c>: the sessions the caller may see, most recently active first: its tenant's, or every
    /// tenant's for an admin.
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<IReadOnlyList<SessionListItem>> ListSessionsAsync(CancellationToken cancellationToken = default) =>
        ListSessionsAsync(tenantId: null, cancellationToken);

    /// <summary><c>GET /api/sessions?tenantId=</c>: one tenant's sessions, most recently active first.</summary>
    /// <param name="tenantId">
    /// The tenant; <see langword="null"/> for every session the caller may see. Only an admin's filter counts: the server
    /// lists anyone else's own tenant whatever this says.
    /// </param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<IReadOnlyList<SessionListItem>> ListSessionsAsync(string? tenantId, CancellationToken cancellationToken = default) =>
        (await GetAsync(WithTenant("api/sessions", tenantId), AgentRuntimeJsonContext.Default.SessionList, cancellationToken).ConfigureAwait(false)).Sessions;

    /// <summary>
    /// <c>GET /api/sessions?limit=&amp;cursor=</c>: one page of the sessions the caller may see, most recently active first,
    /// with the cursor of the next page. Paging on while sessions change neither repeats nor skips a session that did not
    /// change; one that did may move ahead of the page reached (follow <see cref="SubscribeSessionListAsync"/> to hear of it).
    /// </summary>
    /// <param name="limit">How many sessions at most: 1 to 1000.</param>
    /// <param name="cursor">The <see cref="SessionList.NextCursor"/> of the page before; <see langword="null"/> for the first page.</param>
    /// <param name="tenantId">
    /// The tenant; <see langword="null"/> for every session the caller may see. Only an admin's filter counts, as in
    /// <see cref="ListSessionsAsync(string?, CancellationToken)"/>.
    /// </param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page; its <see cref="SessionList.NextCursor"/> is <see langword="null"/> on the last.</returns>
    /// <exception cref="AgentRuntimeApiException">400 for a limit out of range or a cursor the server did not give out.</exception>
    public Task<SessionList> ListSessionsPageAsync(int limit, string? cursor = null, string? tenantId = null, CancellationToken cancellationToken = default)
    {
        var query = $"api/sessions?limit={limit.ToString(CultureInfo.InvariantCulture)}";
        if (cursor is not null)
        {
            query += $"&cursor={Escape(cursor)}";
        }

        if (tenantId is not null)
        {
            query += $"&tenantId={Escape(tenantId)}";
        }

        return GetAsync(query, AgentRuntimeJsonContext.Default.SessionList, cancellationToken);
    }

    /// <summary>
    /// Every session the caller may see, most recently active first, read a page at a time with
    /// <see cref="ListSessionsPageAsync"/> as the enumeration goes, so a long list is neither one large answer nor held
    /// whole in memory.
    /// </summary>
    /// <param name="pageSize">How many sessions each request asks for: 1 to 1000.</param>
    /// <param name="tenantId">The tenant; <see langword="null"/> for every session the caller may see.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <exception cref="AgentRuntimeApiException">As <see cref="ListSessionsPageAsync"/>, from the request that failed.</exception>
    public async IAsyncEnumerable<SessionListItem> EnumerateSessionsAsync(int pageSize = 100, string? tenantId = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? cursor = null;
        do
        {
            var page = await ListSessionsPageAsync(pageSize, cursor, tenantId, cancellationToken).ConfigureAwait(false);
            foreach (var session in page.Sessions)
            {
                yield return session;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    /// <summary><c>GET /api/sessions/{id}</c>: a session with its blocks, subagents, files, metadata and last seq.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">404 when there is no such session.</exception>
    public Task<SessionDetail> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        GetAsync($"api/sessions/{Escape(sessionId)}", AgentRuntimeJsonContext.Default.SessionDetail, cancellationToken);

    /// <summary><c>DELETE /api/sessions/{id}</c>: stops the session's sandbox and removes the session and all its data.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">404 when there is no such session.</exception>
    public async Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        using var response = await SendRawAsync(HttpMethod.Delete, $"api/sessions/{Escape(sessionId)}", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>POST /api/sessions/{id}/messages</c>: sends the user's message; the answer streams as events.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="content">The message.</param>
    /// <param name="cancellationToken">Cancels the request (not the turn it started).</param>
    /// <returns>The id of the turn that answers it, as <c>session:turn:*</c> events carry it.</returns>
    /// <exception cref="AgentRuntimeApiException">409 while a turn is running, 400 for empty content, 404 for no such session.</exception>
    public async Task<string> SendMessageAsync(string sessionId, string content, CancellationToken cancellationToken = default) =>
        (await SendAsync(
            HttpMethod.Post,
            $"api/sessions/{Escape(sessionId)}/messages",
            JsonContent.Create(new SendMessageBody(content), AgentRuntimeJsonContext.Default.SendMessageBody),
            AgentRuntimeJsonContext.Default.TurnAccepted,
            cancellationToken).ConfigureAwait(false)).TurnId;

    /// <summary><c>PATCH /api/sessions/{id}</c>: sets the session's own model budget; a raised one lets the next turn through.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="budget">The budget; <see langword="null"/> to fall back to the profile's.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The session's metadata: usage, cost and budget.</returns>
    /// <exception cref="AgentRuntimeApiException">400 for a negative bound, 404 for no such session.</exception>
    public Task<SessionMetadata> SetBudgetAsync(string sessionId, Gateway.ModelBudget? budget, CancellationToken cancellationToken = default) =>
        SendAsync(
            HttpMethod.Patch,
            $"api/sessions/{Escape(sessionId)}",
            JsonContent.Create(new UpdateSessionBody(budget), AgentRuntimeJsonContext.Default.UpdateSessionBody),
            AgentRuntimeJsonContext.Default.SessionMetadata,
            cancellationToken);

    /// <summary><c>GET /api/sessions/{id}/events?after=N</c>: the session's logged events after a seq.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="afterSeq">The last seq already seen; 0 for the whole log.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AgentRuntimeApiException">404 when there is no such session.</exception>
    public Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, long afterSeq = 0, CancellationToken cancellationToken = default) =>
        GetAsync($"api/sessions/{Escape(sessionId)}/events?after={afterSeq}", AgentRuntimeJsonContext.Default.IReadOnlyListSessionEvent, cancellationToken);

    /// <summary>
    /// Ends the subscriptions in progress (their enumerations throw <see cref="OperationCanceledException"/>), closes the
    /// hub connection, and disposes the HTTP client if the client created it.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_lifetime.IsCancellationRequested)
        {
            return;
        }

        // Before the connection goes: a subscription whose stream breaks must not take it for a drop and reconnect.
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _hub.DisposeAsync().ConfigureAwait(false);
        _lifetime.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static string WithTenant(string path, string? tenantId) => tenantId is null ? path : $"{path}?tenantId={Escape(tenantId)}";

    private Task<T> GetAsync<T>(string path, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, typeInfo, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, content, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken).ConfigureAwait(false)
            ?? throw new AgentRuntimeApiException(response.StatusCode, "Empty answer", $"{method} /{path} answered {(int)response.StatusCode} with no body.");
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_baseAddress, path)) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_accessToken is not null && await _accessToken(cancellationToken).ConfigureAwait(false) is { Length: > 0 } token)
        {
            // Per request rather than on DefaultRequestHeaders: an injected HttpClient may be shared, and a token may change.
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ProblemDetailsReader.ReadAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static bool IsNotFound(AgentRuntimeApiException ex) => ex.StatusCode == HttpStatusCode.NotFound;
}
