namespace AgentRuntime.Client;

/// <summary>Answer of <c>GET /api/health</c>.</summary>
/// <param name="Status"><c>ok</c> when the server is up.</param>
/// <param name="Time">The server's clock.</param>
public sealed record HealthReport(string Status, DateTimeOffset Time);
