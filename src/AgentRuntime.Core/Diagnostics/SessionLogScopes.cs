using Microsoft.Extensions.Logging;

namespace AgentRuntime.Diagnostics;

/// <summary>
/// The log scopes of a session: every entry its loop writes carries its session and tenant, and every entry of a turn
/// its turn too — as properties for loggers that keep scopes (JSON console, OpenTelemetry), as
/// <c>=> SessionId:… TenantId:… => TurnId:…</c> for the simple console with <c>IncludeScopes</c>.
/// </summary>
internal static class SessionLogScopes
{
    private static readonly Func<ILogger, string, string, IDisposable?> SessionScope =
        LoggerMessage.DefineScope<string, string>("SessionId:{SessionId} TenantId:{TenantId}");

    private static readonly Func<ILogger, string, IDisposable?> TurnScope = LoggerMessage.DefineScope<string>("TurnId:{TurnId}");

    /// <summary>Begins the scope of a session's loop (and of what it starts: turns, timers' commands).</summary>
    public static IDisposable? BeginSession(ILogger logger, string sessionId, string tenantId) => SessionScope(logger, sessionId, tenantId);

    /// <summary>Begins the scope of a turn, inside its session's.</summary>
    public static IDisposable? BeginTurn(ILogger logger, string turnId) => TurnScope(logger, turnId);
}
