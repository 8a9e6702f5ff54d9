using System.Diagnostics;
using System.Globalization;
using AgentRuntime.Gateway;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Sessions;

internal sealed partial class SessionSandbox : ISandboxGatewayObserver
{
    // Replaced by whoever starts the sandbox, read by the loop to apply a budget.
    private volatile ISandboxGatewayLease? _lease;

    // Set by the gateway (any thread) when it refuses a model call for the budget; read and cleared by the turn.
    private string? _budgetRefusal;

    // The running turn's span, which the gateway's spans of the sandbox's model calls continue; set by the turn.
    private volatile Activity? _turnActivity;

    /// <summary>Makes the sandbox's model calls children of <paramref name="turn"/>'s span (none: no parent).</summary>
    public void TraceModelCallsUnder(Activity? turn) => _turnActivity = turn;

    ActivityContext ISandboxGatewayObserver.TraceContext => _turnActivity is { IsStopped: false } turn ? turn.Context : default;

    /// <summary>Applies a budget to the running sandbox's gateway, if it has one.</summary>
    public void SetBudget(ModelBudget? budget) => _lease?.SetBudget(budget);

    /// <summary>The message of a budget refusal during the turn, if there was one; clears it.</summary>
    public string? TakeBudgetRefusal() => Interlocked.Exchange(ref _budgetRefusal, null);

    /// <summary>Opens the gateway for a new sandbox, when the runtime has one.</summary>
    private ISandboxGatewayLease? OpenGatewayLease(AgentProfile profile)
    {
        if (_services.Gateway is not { } gateway || profile.Network.Mode == SandboxNetworkMode.None)
        {
            return null;
        }

        var metadata = _host.Record.Metadata;
        return gateway.Open(new SandboxGatewayRequest
        {
            SessionId = SessionId,
            Network = profile.Network,
            Budget = metadata.Budget ?? profile.Budget,
            InitialUsage = new ModelUsage { Tokens = metadata.Usage, CostUsd = metadata.CostUsd },
            Observer = this,
        });
    }

    private void CloseGatewayLease()
    {
        _lease?.Dispose();
        _lease = null;
    }

    void ISandboxGatewayObserver.OnEgressDenied(string host, int port)
    {
        LogEgressDenied(SessionId, host, port);
        _host.EgressDenied(host, port);
    }

    void ISandboxGatewayObserver.OnBudgetExceeded(ModelBudget budget, ModelUsage usage)
    {
        var limit = budget.MaxTokens is { } tokens
            ? string.Create(CultureInfo.InvariantCulture, $"{usage.TotalTokens:N0} of {tokens:N0} tokens used")
            : string.Create(CultureInfo.InvariantCulture, $"${usage.CostUsd:0.####} of ${budget.MaxCostUsd:0.####} used");
        Volatile.Write(ref _budgetRefusal, $"The session's model budget is spent ({limit}); raise it to continue.");
        LogBudgetExceeded(SessionId, limit);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: egress to {Host}:{Port} denied by its network policy")]
    private partial void LogEgressDenied(string sessionId, string host, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: model call refused, budget spent ({Limit})")]
    private partial void LogBudgetExceeded(string sessionId, string limit);
}
