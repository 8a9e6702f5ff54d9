using System.Text.Json.Serialization;

namespace AgentRuntime.Sessions;

/// <summary>Running totals of a conversation: tokens, cost and the model that answered last.</summary>
public sealed record SessionMetadata
{
    /// <summary>Token counts summed over the conversation's turns.</summary>
    public TokenUsage Usage { get; init; } = new();

    /// <summary>Cost in US dollars as the agent reported it, summed over turns.</summary>
    [JsonPropertyName("costUSD")]
    public decimal CostUsd { get; init; }

    /// <summary>The model that answered last.</summary>
    public string? Model { get; init; }

    /// <summary>The session's own model budget, set with <c>PATCH /api/sessions/{id}</c>; the profile's applies when absent.</summary>
    public Gateway.ModelBudget? Budget { get; init; }
}

/// <summary>Token counts.</summary>
public sealed record TokenUsage
{
    /// <summary>Input tokens not read from or written to the prompt cache.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Input tokens written to the prompt cache.</summary>
    public long CacheCreationInputTokens { get; init; }

    /// <summary>Input tokens read from the prompt cache.</summary>
    public long CacheReadInputTokens { get; init; }

    /// <summary>Adds two usages.</summary>
    public static TokenUsage operator +(TokenUsage a, TokenUsage b) => new()
    {
        InputTokens = a.InputTokens + b.InputTokens,
        OutputTokens = a.OutputTokens + b.OutputTokens,
        CacheCreationInputTokens = a.CacheCreationInputTokens + b.CacheCreationInputTokens,
        CacheReadInputTokens = a.CacheReadInputTokens + b.CacheReadInputTokens,
    };
}
