using System.Globalization;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Gateway;
using AgentRuntime.Profiles;
using AgentRuntime.Sandboxes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Sessions;

internal sealed partial class SessionActor : ISandboxGatewayObserver
{
    private ISandboxGatewayLease? _lease;

    // Set by the gateway (any thread) when it refuses a model call for the budget; read and cleared by the turn.
    private string? _budgetRefusal;

    /// <summary>Sets the session's own model budget (null: the profile's applies) and applies it to the running sandbox.</summary>
    public Task<SessionMetadata> SetBudgetAsync(ModelBudget? budget, CancellationToken cancellationToken) => InvokeAsync(async () =>
    {
        Touch();
        _record = _record with { Metadata = (Log.Read(p => p.Metadata) ?? _record.Metadata) with { Budget = budget } };
        await _services.Store.UpdateSessionAsync(_record, cancellationToken).ConfigureAwait(false);
        var profile = await _services.Store.GetProfileAsync(_record.AgentProfileRef, cancellationToken).ConfigureAwait(false);
        _lease?.SetBudget(budget ?? profile?.Budget);
        await Log.AppendAsync(new MetadataUpdateEvent { ConversationId = Conversations.Main, Metadata = _record.Metadata }, cancellationToken).ConfigureAwait(false);
        return _record.Metadata;
    });

    /// <summary>Opens the gateway for a new sandbox, when the runtime has one.</summary>
    private ISandboxGatewayLease? OpenGatewayLease(AgentProfile profile)
    {
        if (_services.Gateway is not { } gateway || profile.Network.Mode == SandboxNetworkMode.None)
        {
            return null;
        }

        var metadata = _record.Metadata;
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

    /// <summary>The message of a budget refusal during the turn, if there was one; clears it.</summary>
    private string? TakeBudgetRefusal() => Interlocked.Exchange(ref _budgetRefusal, null);

    void ISandboxGatewayObserver.OnEgressDenied(string host, int port)
    {
        LogEgressDenied(SessionId, host, port);
        Post(async () =>
        {
            var block = new SystemBlock
            {
                Id = $"network-denied-{Guid.NewGuid():N}",
                Timestamp = _services.Time.GetUtcNow(),
                Subtype = "network_denied",
                Message = $"The sandbox's network policy does not allow {host}:{port.ToString(CultureInfo.InvariantCulture)}; the connection was refused.",
                Metadata = new System.Text.Json.Nodes.JsonObject { ["host"] = host, ["port"] = port },
            };
            await Log.AppendAsync(
            [
                new BlockStartEvent { ConversationId = Conversations.Main, Block = block },
                new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = block.Id, Block = block },
            ], CancellationToken.None).ConfigureAwait(false);
        });
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
