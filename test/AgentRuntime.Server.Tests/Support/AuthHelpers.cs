using System.Net.Http.Json;
using AgentRuntime.Api;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;

namespace AgentRuntime.Server.Tests.Support;

/// <summary>Keys and sessions of other tenants, made through the API the way an application would.</summary>
internal static class AuthHelpers
{
    /// <summary>Creates a key as the admin and returns it whole.</summary>
    public static async Task<CreatedApiKey> CreateKeyAsync(this RunningServer server, string tenantId, params string[] scopes)
    {
        var response = await server.Http.PostAsJsonAsync("/api/keys", new CreateApiKeyBody(tenantId, scopes.Length == 0 ? null : scopes, $"test key of {tenantId}"), AgentRuntimeJsonContext.Default.CreateApiKeyBody);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.CreatedApiKey))!;
    }

    /// <summary>Creates a session with <paramref name="http"/>'s credential, with one workspace file <c>f.txt</c>.</summary>
    public static async Task<SessionListItem> CreateSessionAsync(this HttpClient http)
    {
        var response = await http.PostAsJsonAsync("/api/sessions", new { agentProfileRef = "default", architecture = "claude-agent-sdk", files = new Dictionary<string, string> { ["f.txt"] = "hello" } });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(AgentRuntimeJsonContext.Default.SessionListItem))!;
    }
}
