using AgentRuntime.Sandboxes;
using AgentRuntime.Sessions;

namespace AgentRuntime.Gateway;

/// <summary>
/// The runtime's side of every sandbox's network: a model API proxy that keeps the real keys in the runtime and counts
/// usage against budgets, and an egress proxy that lets a sandbox reach only its allowed hosts. Sessions open one
/// lease per sandbox; the sandbox provider serves the sandbox's connections through it (<see cref="ISandboxBridge"/>).
/// </summary>
public interface ISandboxGateway
{
    /// <summary>Opens the gateway for one sandbox of a session. Dispose the lease when the sandbox ends: its tokens die with it.</summary>
    ISandboxGatewayLease Open(SandboxGatewayRequest request);
}

/// <summary>What a sandbox's lease is opened with.</summary>
public sealed record SandboxGatewayRequest
{
    /// <summary>The session the sandbox serves; usage is counted per session, across its sandboxes.</summary>
    public required string SessionId { get; init; }

    /// <summary>The sandbox's network policy; its allowlist decides what the egress proxy lets through.</summary>
    public required SandboxNetworkPolicy Network { get; init; }

    /// <summary>The session's model budget, if any.</summary>
    public ModelBudget? Budget { get; init; }

    /// <summary>Usage the session had before this lease (from its stored metadata), counted against the budget.</summary>
    public ModelUsage InitialUsage { get; init; } = new();

    /// <summary>Told about refusals, so the session can show them.</summary>
    public ISandboxGatewayObserver? Observer { get; init; }
}

/// <summary>One sandbox's way to the model and the outside. Disposing it revokes its tokens and closes its connections.</summary>
public interface ISandboxGatewayLease : ISandboxBridge, IModelAccess, IDisposable
{
    /// <summary>The session's usage as the proxy counted it, including <see cref="SandboxGatewayRequest.InitialUsage"/>.</summary>
    ModelUsage Usage { get; }

    /// <summary>Changes the budget; a raised budget lets the next model call through.</summary>
    void SetBudget(ModelBudget? budget);
}

/// <summary>How an architecture gets its agent to the model without handing it a key.</summary>
public interface IModelAccess
{
    /// <summary>
    /// Returns a random token, valid only for this sandbox and only while it lives, that the agent presents in place of
    /// the API key; the proxy checks it, swaps in <paramref name="upstream"/>'s real key and forwards the call there.
    /// The agent reaches the proxy at <see cref="ISandbox.ModelProxyUrl"/>.
    /// </summary>
    string GrantToken(ModelUpstream upstream);
}

/// <summary>Told by the gateway about what it refused.</summary>
public interface ISandboxGatewayObserver
{
    /// <summary>The egress proxy refused a connection to a host that is not allowed.</summary>
    void OnEgressDenied(string host, int port);

    /// <summary>The model proxy refused a call because the session's budget is spent.</summary>
    void OnBudgetExceeded(ModelBudget budget, ModelUsage usage);

    /// <summary>
    /// The span a model call's span continues (the session's running turn); <see langword="default"/> for none. Never
    /// the trace context a sandbox sends: what runs there does not choose where its calls are traced.
    /// </summary>
    System.Diagnostics.ActivityContext TraceContext => default;
}

/// <summary>A model API the proxy forwards to.</summary>
/// <param name="Kind">Its wire format, which says where the key goes and how usage is read.</param>
/// <param name="BaseUrl">Its base address, such as <c>https://api.anthropic.com</c>.</param>
/// <param name="ApiKey">The real key; it never leaves the runtime.</param>
public sealed record ModelUpstream(ModelApiKind Kind, Uri BaseUrl, string ApiKey)
{
    /// <inheritdoc />
    public override string ToString() => $"{Kind} at {BaseUrl}"; // never the key
}

/// <summary>The model APIs the proxy speaks.</summary>
public enum ModelApiKind
{
    /// <summary>Anthropic's Messages API: key in <c>x-api-key</c>; usage in <c>message_start</c>/<c>message_delta</c>.</summary>
    Anthropic,

    /// <summary>Google's Gemini API: key in <c>x-goog-api-key</c>; usage in <c>usageMetadata</c>.</summary>
    Gemini,
}

/// <summary>A limit on what a session may spend on its model. Either bound, or both, may be set.</summary>
public sealed record ModelBudget
{
    /// <summary>Input plus output tokens, cache reads and writes included.</summary>
    public long? MaxTokens { get; init; }

    /// <summary>US dollars, priced with the gateway's price list (<c>AgentRuntime:Gateway:Prices</c>).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("maxCostUSD")]
    public decimal? MaxCostUsd { get; init; }
}

/// <summary>What a session used of its model, as the proxy counted it.</summary>
public sealed record ModelUsage
{
    /// <summary>Token counts.</summary>
    public TokenUsage Tokens { get; init; } = new();

    /// <summary>Cost in US dollars of the calls whose model has a price.</summary>
    public decimal CostUsd { get; init; }

    /// <summary>All tokens: input, output, cache reads and writes.</summary>
    public long TotalTokens => Tokens.InputTokens + Tokens.OutputTokens + Tokens.CacheCreationInputTokens + Tokens.CacheReadInputTokens;

    /// <summary>Whether this usage has reached <paramref name="budget"/>.</summary>
    public bool Exhausts(ModelBudget? budget) =>
        budget is not null && (TotalTokens >= budget.MaxTokens || CostUsd >= budget.MaxCostUsd);
}
