using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Profiles;
using AgentRuntime.Security;
using AgentRuntime.Serialization;
using AgentRuntime.Sessions;

namespace AgentRuntime.Persistence.Tests.Conformance;

/// <summary>Records, events and payloads the conformance tests write, with timestamps that are easy to get wrong.</summary>
internal static class StoreTestData
{
    // An offset that is not whole hours and sub-millisecond ticks: a store that drops either does not round-trip.
    public static readonly DateTimeOffset Epoch = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.FromMinutes(330)).AddTicks(1_234_567);

    /// <summary>A session record with every field set; without <paramref name="tenantId"/> its TenantId is left unset, as a caller from before tenants would.</summary>
    public static SessionRecord NewSession(DateTimeOffset? lastActivity = null, string? sessionId = null, string? tenantId = null)
    {
        var session = NewSessionWithoutTenant(lastActivity, sessionId);
        return tenantId is null ? session : session with { TenantId = tenantId };
    }

    private static SessionRecord NewSessionWithoutTenant(DateTimeOffset? lastActivity, string? sessionId) => new()
    {
        SessionId = sessionId ?? Guid.NewGuid().ToString(),
        Architecture = "claude-agent-sdk",
        AgentProfileRef = "default",
        Name = "Größe – 日本語",
        CreatedAt = Epoch,
        LastActivity = lastActivity ?? Epoch.AddMinutes(5),
        SandboxRestartCount = 2,
        SandboxStartCount = 3,
        Metadata = new SessionMetadata
        {
            Usage = new TokenUsage { InputTokens = 1, OutputTokens = 2, CacheCreationInputTokens = 3, CacheReadInputTokens = 4 },
            CostUsd = 0.1234567890123456789m,
            Model = "claude-sonnet",
        },
    };

    public static TurnStartedEvent Turn(int n) => new() { TurnId = $"turn-{n}", Timestamp = Epoch.AddSeconds(n) };

    /// <summary>One event of every type in the <see cref="SessionEvent"/> union, with every optional part filled.</summary>
    public static IReadOnlyList<SessionEvent> OneOfEachEventType()
    {
        var input = JsonElement.Parse("""{"command":"ls -la","nested":{"n":[1,2.5,null,true]}}""");
        var at = Epoch.AddTicks(1);
        return
        [
            new BlockStartEvent { ConversationId = Conversations.Main, Block = new UserMessageBlock { Id = "b1", Timestamp = at, Content = "hi \u0000 there" }, Timestamp = at },
            new BlockStartEvent { ConversationId = "sub-1", Block = new ToolUseBlock { Id = "b2", Timestamp = at, ToolName = "Bash", ToolUseId = "tu1", Input = input, Status = ToolStatus.Running }, Timestamp = at },
            new BlockDeltaEvent { ConversationId = Conversations.Main, BlockId = "b3", Delta = "emoji 🚀 and \"quotes\"", Timestamp = at },
            new BlockUpdateEvent { ConversationId = Conversations.Main, BlockId = "b2", Updates = new BlockUpdate { Status = ToolStatus.Success, DurationMs = 12, Input = input }, Timestamp = at },
            new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = "b3", Block = new AssistantTextBlock { Id = "b3", Timestamp = at, Content = "done", Model = "m" }, Timestamp = at },
            new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = "b4", Block = new ToolResultBlock { Id = "b4", Timestamp = at, ToolUseId = "tu1", Output = "out", IsError = true, DurationMs = 7 }, Timestamp = at },
            new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = "b5", Block = new ThinkingBlock { Id = "b5", Timestamp = at, Content = "hmm" }, Timestamp = at },
            new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = "b6", Block = new SystemBlock { Id = "b6", Timestamp = at, Subtype = "init", Message = "started", Metadata = new JsonObject { ["raw"] = new JsonArray(1, "two") } }, Timestamp = at },
            new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = "b7", Block = new SubagentBlock { Id = "b7", Timestamp = at, SubagentId = "sub-1", Name = "explorer", Input = input, Status = ToolStatus.Success, Output = "found it", ToolUseId = "tu2" }, Timestamp = at },
            new BlockCompleteEvent { ConversationId = Conversations.Main, BlockId = "b8", Block = new ErrorBlock { Id = "b8", Timestamp = at, Message = "bad", Code = "missing_api_key" }, Timestamp = at },
            new MetadataUpdateEvent { ConversationId = Conversations.Main, Metadata = NewSession().Metadata, Timestamp = at },
            new StatusEvent
            {
                Runtime = new SessionRuntime
                {
                    IsLoaded = true,
                    Sandbox = new SandboxInfo { SandboxId = "sb-1", Status = SandboxStatus.Unhealthy, RestartCount = 1, LastHealthCheck = Epoch.AddTicks(3) },
                },
                Timestamp = at,
            },
            new TurnStartedEvent { TurnId = "t1", Timestamp = at },
            new TurnCompletedEvent { TurnId = "t1", StopReason = "interrupted", Timestamp = at },
            new ApprovalRequestedEvent
            {
                ApprovalId = "ap_1", TurnId = "t1", ConversationId = "sub-1", BlockId = "b2", ToolUseId = "tu1", ToolName = "Bash", Input = input,
                Options = [new Approvals.ApprovalOption { OptionId = "allow", Name = "Allow", Kind = "allow_once" }], ExpiresAt = Epoch.AddTicks(5), Timestamp = at,
            },
            new ApprovalResolvedEvent { ApprovalId = "ap_1", Decision = ApprovalDecisionKind.Allow, By = "key:0123", UpdatedInput = input, Remember = true, Timestamp = at },
            new OptionsUpdateEvent { Options = new SessionOptions { Model = "m2", PermissionMode = Approvals.PermissionMode.Rules, AllowedTools = ["Bash"] }, Timestamp = at },
            new TurnFailedEvent { TurnId = "t2", Error = "boom", Timestamp = at },
            new FileCreatedEvent { Path = "src/新しい.py", Size = 12, Hash = new string('a', 64), Content = "print('hi')\n", Timestamp = at },
            new FileModifiedEvent { Path = "data/big.bin", Size = 1 << 20, Hash = new string('b', 64), Timestamp = at },
            new FileDeletedEvent { Path = "gone.txt", Timestamp = at },
            new ErrorEvent { Message = "oops", Code = "internal", Timestamp = at },
        ];
    }

    public static AgentProfile Profile(string id, string name) => new()
    {
        Id = id,
        Name = name,
        Description = "for tests",
        SystemPrompt = "Be brief.",
        Model = "claude-opus",
        AllowedTools = ["Bash", "Read"],
    };

    public static ApiKeyRecord ApiKey(string keyId, string tenantId, DateTimeOffset? createdAt = null) => new()
    {
        KeyId = keyId,
        TenantId = tenantId,
        Scopes = [ApiScopes.Sessions, ApiScopes.Admin],
        Name = "CI – déploiement 🚀",
        SecretHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("secret of " + keyId))),
        CreatedAt = createdAt ?? Epoch,
    };

    /// <summary>Bytes that are not valid UTF-8 (every byte value, and a truncated sequence), so a text column would mangle them.</summary>
    public static byte[] BinaryContent()
    {
        var bytes = new byte[256 + 3];
        for (var i = 0; i < 256; i++)
        {
            bytes[i] = (byte)i;
        }

        bytes[256] = 0xC3;
        bytes[257] = 0x28;
        bytes[258] = 0xE2;
        return bytes;
    }

    public static WorkspaceFileInfo FileInfo(string path, byte[] content, DateTimeOffset modifiedAt) => new()
    {
        Path = path,
        Size = content.Length,
        Hash = Convert.ToHexStringLower(SHA256.HashData(content)),
        ModifiedAt = modifiedAt,
    };

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Json(SessionEvent e) => JsonSerializer.Serialize(e, AgentRuntimeJsonContext.Default.SessionEvent);

    public static string Json(SessionRecord? r) => r is null ? "null" : JsonSerializer.Serialize(r, AgentRuntimeJsonContext.Default.SessionRecord);

    // Not on the wire, so not in the JSON context: every field as text, timestamps with their offset and every tick.
    public static string Json(SessionSummary s) =>
        $"{s.SessionId}|{s.TenantId}|{s.Architecture}|{s.AgentProfileRef}|{s.Name ?? "(null)"}|{s.CreatedAt:O}|{s.LastActivity:O}";

    public static string Json(AgentProfile? p) => p is null ? "null" : JsonSerializer.Serialize(p, AgentRuntimeJsonContext.Default.AgentProfile);

    /// <summary>
    /// Every field of a key, the timestamp with its offset and ticks. Not record equality, which compares
    /// <see cref="ApiKeyRecord.Scopes"/> by reference; not JSON, since the key is not a wire type.
    /// </summary>
    public static string Text(ApiKeyRecord? k) => k is null
        ? "null"
        : $"{k.KeyId} {k.TenantId} [{string.Join(", ", k.Scopes.Select(s => $"'{s}'"))}] {(k.Name is null ? "null" : $"'{k.Name}'")} {k.SecretHash} {k.CreatedAt:O}";

    public static string Json(WorkspaceFileInfo f) => JsonSerializer.Serialize(f, AgentRuntimeJsonContext.Default.WorkspaceFileInfo);
}
