using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using AgentRuntime.Serialization;
using AgentRuntime.Server.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AgentRuntime.Server.Tests.Auth;

/// <summary><c>Auth:Mode = jwt</c>: bearer tokens signed with a test key, the tenant from a claim.</summary>
public sealed class JwtTests : ServerTest
{
    private static readonly byte[] SigningKey = RandomNumberGenerator.GetBytes(32);

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["AgentRuntime:Auth:Mode"] = "jwt",
        ["AgentRuntime:Auth:Jwt:SigningKey"] = Convert.ToBase64String(SigningKey),
        ["AgentRuntime:Auth:Jwt:Issuer"] = "https://issuer.test",
        ["AgentRuntime:Auth:Jwt:Audience"] = "agent-runtime",
        ["AgentRuntime:Auth:Jwt:TenantClaim"] = "org",
    };

    [Fact]
    public async Task ValidTokens_ActForTheirTenant_AndBadOnesAre401()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Null(Server.AdminKey);
        Assert.False(File.Exists(Path.Combine(DataDirectory, "admin.key")));

        var alice = Server.CreateHttpClient(Token(new() { ["org"] = "org-1", ["scope"] = "openid sessions" }));
        var me = await alice.GetFromJsonAsync("/api/me", AgentRuntimeJsonContext.Default.CallerInfo, ct);
        Assert.Equal(("org-1", "jwt", (string?)null), (me!.TenantId, me.AuthMode, me.KeyId));
        Assert.Equal(["sessions"], me.Scopes);
        var session = await alice.CreateSessionAsync();
        Assert.Equal("org-1", session.TenantId);
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.GetAsync("/api/keys", ct)).StatusCode);

        var bob = Server.CreateHttpClient(Token(new() { ["org"] = "org-2" }));
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/sessions/{session.SessionId}", ct)).StatusCode);
        Assert.Empty((await bob.GetFromJsonAsync("/api/sessions", AgentRuntimeJsonContext.Default.SessionList, ct))!.Sessions);

        var admin = Server.CreateHttpClient(Token(new() { ["org"] = "ops", ["scope"] = "admin" }));
        Assert.Single((await admin.GetFromJsonAsync("/api/sessions", AgentRuntimeJsonContext.Default.SessionList, ct))!.Sessions);

        // The stream takes the token in the query.
        using var sse = new HttpRequestMessage(HttpMethod.Get, $"/api/sessions/{session.SessionId}/events?access_token={Token(new() { ["org"] = "org-1" })}");
        sse.Headers.Accept.ParseAdd("text/event-stream");
        using (var response = await Server.CreateHttpClient(null).SendAsync(sse, HttpCompletionOption.ResponseHeadersRead, ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        foreach (var bad in new[]
        {
            Token(new() { ["scope"] = "sessions" }),                                  // no tenant claim
            Token(new() { ["org"] = "../x" }),                                          // not a tenant id
            Token(new() { ["org"] = "org-1" }, expires: DateTime.UtcNow.AddMinutes(-10)), // expired
            Token(new() { ["org"] = "org-1" }, key: RandomNumberGenerator.GetBytes(32)),  // signed by someone else
            Token(new() { ["org"] = "org-1" }, audience: "another-api"),
            "not-a-jwt",
        })
        {
            using var response = await Server.CreateHttpClient(bad).GetAsync("/api/sessions", ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    private static string Token(Dictionary<string, object> claims, DateTime? expires = null, byte[]? key = null, string audience = "agent-runtime") =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://issuer.test",
            Audience = audience,
            Claims = claims,
            Subject = new ClaimsIdentity([new Claim("sub", "user-1")]),
            NotBefore = (expires ?? DateTime.UtcNow.AddMinutes(10)).AddMinutes(-20),
            Expires = expires ?? DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? SigningKey), SecurityAlgorithms.HmacSha256),
        });
}
