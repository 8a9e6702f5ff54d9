using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using AgentRuntime.Events;
using AgentRuntime.Serialization;
using AgentRuntime.Server.Tests.Support;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Server.Tests.Auth;

/// <summary>
/// Every route the server maps, read from its endpoint data source (so a new route cannot escape), and every hub method,
/// called with no credential, a bad key, a key of another tenant, a key of the session's tenant and the admin key.
/// </summary>
public sealed class AuthorizationMatrixTests : ServerTest
{
    private enum Who { Nobody, BadKey, OtherTenant, OwnTenant, Admin }

    [Fact]
    public async Task EveryRoute_ForEveryKindOfCaller_AnswersAsItsScopeAndTenantAllow()
    {
        var own = await Server.CreateKeyAsync("tenant-a");
        var other = await Server.CreateKeyAsync("tenant-b");
        var clients = new Dictionary<Who, HttpClient>
        {
            [Who.Nobody] = Server.CreateHttpClient(null),
            [Who.BadKey] = Server.CreateHttpClient(own.Key[..^4] + "AAAA"),
            [Who.OtherTenant] = Server.CreateHttpClient(other.Key),
            [Who.OwnTenant] = Server.CreateHttpClient(own.Key),
            [Who.Admin] = Server.Http,
        };

        var routes = Server.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } text && (text.StartsWith("/api", StringComparison.Ordinal) || text.StartsWith("/hubs", StringComparison.Ordinal)))
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(method => (Method: method, Pattern: e.RoutePattern.RawText!)))
            .Distinct()
            .OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)
            .ToList();
        Assert.True(routes.Count >= 20, $"the endpoint data source lists the API ({routes.Count} routes)");

        var failures = new List<string>();
        foreach (var (method, pattern) in routes)
        {
            // Sessions and a profile of tenant A; a DELETE gets fresh ones for each caller, so one column does not change the next.
            var session = await clients[Who.OwnTenant].CreateSessionAsync();
            await SaveOwnProfileAsync(clients[Who.OwnTenant]);
            foreach (var (who, http) in clients)
            {
                if (method == "DELETE")
                {
                    session = await clients[Who.OwnTenant].CreateSessionAsync();
                    await SaveOwnProfileAsync(clients[Who.OwnTenant]);
                }

                using var request = new HttpRequestMessage(new HttpMethod(method), Fill(pattern, session.SessionId));
                if (method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
                var status = (int)response.StatusCode;
                var expected = Expect(who, method, pattern);
                if (!expected.Allows(status))
                {
                    failures.Add($"{method} {pattern} as {who}: {status}, expected {expected}");
                }
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task HubMethods_ForEveryKindOfCaller_StreamOnlyWhatTheTenantOwns()
    {
        var ct = TestContext.Current.CancellationToken;
        var own = await Server.CreateKeyAsync("tenant-a");
        var other = await Server.CreateKeyAsync("tenant-b");
        var session = await Server.CreateHttpClient(own.Key).CreateSessionAsync();
        // The hub's methods, by reflection: a new one must be added to this test.
        var methods = Type.GetType("AgentRuntime.Transport.SessionsHub, AgentRuntime.Server", throwOnError: true)!
            .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name is not ("OnConnectedAsync" or "OnDisconnectedAsync"))
            .Select(m => m.Name).Order().ToList();
        Assert.Equal(["AnswerApproval", "Interrupt", "SubscribeSession", "SubscribeSessionList"], methods);

        // No credential, or a bad one: the connection itself is refused.
        foreach (var bearer in new string?[] { null, own.Key[..^4] + "AAAA" })
        {
            await using var refused = Server.CreateHubConnection(bearer);
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => refused.StartAsync(ct));
            Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        }

        await using var asOther = Server.CreateHubConnection(other.Key);
        await using var asOwn = Server.CreateHubConnection(own.Key);
        await using var asAdmin = Server.CreateHubConnection();
        foreach (var connection in new[] { asOther, asOwn, asAdmin })
        {
            await connection.StartAsync(ct).WaitAsync(RunningServer.Timeout, ct);
        }

        // SubscribeSession: another tenant's session is "not found", exactly as a missing one.
        var foreign = await Assert.ThrowsAsync<HubException>(() => FirstAsync(asOther.StreamAsync<SessionEvent>("SubscribeSession", session.SessionId, 0L, ct), ct));
        var missing = await Assert.ThrowsAsync<HubException>(() => FirstAsync(asOther.StreamAsync<SessionEvent>("SubscribeSession", Guid.NewGuid().ToString(), 0L, ct), ct));
        Assert.Contains("was not found", foreign.Message, StringComparison.Ordinal);
        Assert.Equal(missing.Message.Replace(missing.Message.Split('\'')[1], "ID", StringComparison.Ordinal), foreign.Message.Replace(session.SessionId, "ID", StringComparison.Ordinal));
        Assert.Equal(1, (await FirstAsync(asOwn.StreamAsync<SessionEvent>("SubscribeSession", session.SessionId, 0L, ct), ct)).Seq);
        Assert.Equal(1, (await FirstAsync(asAdmin.StreamAsync<SessionEvent>("SubscribeSession", session.SessionId, 0L, ct), ct)).Seq);

        // Interrupt and AnswerApproval: another tenant's session is "not found"; its owner and the admin get through to
        // the session (which has no turn and no such approval).
        var answer = new Api.AnswerApprovalBody("deny");
        foreach (var (connection, through) in new[] { (asOther, false), (asOwn, true), (asAdmin, true) })
        {
            var interrupt = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>("Interrupt", session.SessionId, ct));
            var approval = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<SessionEvent>("AnswerApproval", session.SessionId, "ap_none", answer, ct));
            Assert.Equal(through, !interrupt.Message.Contains($"Session '{session.SessionId}' was not found", StringComparison.Ordinal));
            Assert.Equal(through, !approval.Message.Contains($"Session '{session.SessionId}' was not found", StringComparison.Ordinal));
            if (through)
            {
                Assert.Contains("no turn to interrupt", interrupt.Message, StringComparison.Ordinal);
                Assert.Contains("Approval 'ap_none' was not found", approval.Message, StringComparison.Ordinal);
            }
        }

        // SubscribeSessionList: each sees its own tenant's changes; the admin sees all.
        var feeds = new[] { asOther, asOwn, asAdmin }.Select(c => Collect(c.StreamAsync<SessionListChange>("SubscribeSessionList", ct))).ToArray();
        await Task.Delay(500, ct); // The subscriptions are open on the server.
        var created = await Server.CreateHttpClient(own.Key).CreateSessionAsync();
        var marker = await Server.CreateHttpClient(other.Key).CreateSessionAsync();
        bool Has(List<SessionListChange> feed, string sessionId)
        {
            lock (feed)
            {
                return feed.Any(c => c.SessionId == sessionId);
            }
        }

        // Changes arrive in order, so once each feed has the last change it can see, it has every earlier one.
        await WaitUntilAsync(() => Has(feeds[0], marker.SessionId) && Has(feeds[1], created.SessionId) && Has(feeds[2], marker.SessionId), ct);
        Assert.DoesNotContain(feeds[0], c => c.SessionId == created.SessionId);
        Assert.All(feeds[0], c => Assert.Equal("tenant-b", c.TenantId));
        Assert.Contains(feeds[1], c => c.SessionId == created.SessionId);
        Assert.DoesNotContain(feeds[1], c => c.SessionId == marker.SessionId);
        Assert.Contains(feeds[2], c => c.SessionId == created.SessionId);

        // Lists and SSE agree.
        var listed = await Server.CreateHttpClient(other.Key).GetFromJsonAsync("/api/sessions", AgentRuntimeJsonContext.Default.SessionList, ct);
        Assert.DoesNotContain(listed!.Sessions, s => s.TenantId != "tenant-b");
        using var sse = new HttpRequestMessage(HttpMethod.Get, $"/api/sessions/{session.SessionId}/events");
        sse.Headers.Accept.ParseAdd("text/event-stream");
        using var sseResponse = await Server.CreateHttpClient(other.Key).SendAsync(sse, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.NotFound, sseResponse.StatusCode);
    }

    // What each caller may expect of a route: the admin and the owner pass authorization (any answer but 401/403, and
    // no 404 for the session), another tenant finds no session and may not manage keys, nobody else gets in.
    private static Expected Expect(Who who, string method, string pattern)
    {
        var isHealth = pattern == "/api/health";
        var isSession = pattern.StartsWith("/api/sessions/{id}", StringComparison.Ordinal);
        var isKeys = pattern.StartsWith("/api/keys", StringComparison.Ordinal);
        var isProfile = pattern.StartsWith("/api/profiles/{id}", StringComparison.Ordinal);
        return who switch
        {
            _ when isHealth => Expected.Exactly(200),
            Who.Nobody or Who.BadKey => Expected.Exactly(401),
            Who.OtherTenant when isSession || isProfile => Expected.Exactly(404),
            Who.OtherTenant or Who.OwnTenant when isKeys => Expected.Exactly(403),
            Who.Admin when isKeys && method == "DELETE" => Expected.Exactly(404), // no such key: the admin got through
            _ => Expected.Through,
        };
    }

    private static string Fill(string pattern, string sessionId)
    {
        var url = pattern
            .Replace("/api/profiles/{id}", $"/api/profiles/{OwnProfile}", StringComparison.Ordinal)
            .Replace("{id}", sessionId, StringComparison.Ordinal)
            .Replace("{**path}", "f.txt", StringComparison.Ordinal)
            .Replace("{keyId}", "0000000000000000", StringComparison.Ordinal)
            .Replace("{approvalId}", "ap_none", StringComparison.Ordinal);
        Assert.DoesNotContain("{", url, StringComparison.Ordinal); // A new route parameter needs a value above.
        return url;
    }

    // Tenant A's own profile, which its caller and the admin may read, change and delete, and tenant B does not find.
    private const string OwnProfile = "tenant-a-profile";

    private static async Task SaveOwnProfileAsync(HttpClient owner)
    {
        var profile = $$"""{"id":"{{OwnProfile}}","name":"Tenant A's"}""";
        using var created = await owner.PostAsync("/api/profiles", new StringContent(profile, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        if (created.StatusCode != HttpStatusCode.Conflict)
        {
            created.EnsureSuccessStatusCode();
        }
    }

    private static async Task<T> FirstAsync<T>(IAsyncEnumerable<T> stream, CancellationToken ct)
    {
        await foreach (var item in stream.WithCancellation(ct))
        {
            return item;
        }

        throw new InvalidOperationException("The stream ended empty.");
    }

    private static List<T> Collect<T>(IAsyncEnumerable<T> stream)
    {
        var items = new List<T>();
        _ = Task.Run(async () =>
        {
            await foreach (var item in stream)
            {
                lock (items)
                {
                    items.Add(item);
                }
            }
        });
        return items;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + RunningServer.Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>One status, or (<see cref="Through"/>) any answer that shows the caller got in: not 401, 403, 404 or 5xx.</summary>
    private sealed record Expected(int? Status)
    {
        public static Expected Through { get; } = new((int?)null);

        public static Expected Exactly(int status) => new(status);

        public bool Allows(int status) => Status is { } exact ? status == exact : status is not (401 or 403 or 404) && status < 500;

        public override string ToString() => Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "anything but 401/403/404/5xx";
    }
}
