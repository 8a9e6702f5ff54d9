using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AgentRuntime.Api;
using AgentRuntime.Architectures;
using AgentRuntime.Blocks;
using AgentRuntime.Events;
using AgentRuntime.Profiles;
using AgentRuntime.Sessions;

namespace AgentRuntime.Serialization;

/// <summary>
/// The one source-generated JSON context of the wire types, shared by the server, the stores and the .NET client:
/// camelCase names, enums as camelCase strings, nulls omitted.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(SessionEvent))]
[JsonSerializable(typeof(IReadOnlyList<SessionEvent>))]
[JsonSerializable(typeof(ConversationBlock))]
[JsonSerializable(typeof(IReadOnlyList<ConversationBlock>))]
[JsonSerializable(typeof(SessionListItem))]
[JsonSerializable(typeof(SessionDetail))]
[JsonSerializable(typeof(SessionRecord))]
[JsonSerializable(typeof(SessionListChange))]
[JsonSerializable(typeof(SessionMetadata))]
[JsonSerializable(typeof(AgentRuntime.Gateway.ModelBudget))]
[JsonSerializable(typeof(AgentRuntime.Sandboxes.SandboxNetworkPolicy))]
[JsonSerializable(typeof(AgentRuntime.Sandboxes.SandboxEnforcement))]
[JsonSerializable(typeof(WorkspaceFileInfo))]
[JsonSerializable(typeof(AgentProfile))]
[JsonSerializable(typeof(StoredProfile))]
[JsonSerializable(typeof(ProfileVersionInfo))]
[JsonSerializable(typeof(IReadOnlyList<ProfileVersionInfo>))]
[JsonSerializable(typeof(AgentProfileSummary))]
[JsonSerializable(typeof(IReadOnlyList<AgentProfileSummary>))]
[JsonSerializable(typeof(ArchitectureAvailability))]
[JsonSerializable(typeof(IReadOnlyList<ArchitectureAvailability>))]
[JsonSerializable(typeof(CreateSessionBody))]
[JsonSerializable(typeof(SendMessageBody))]
[JsonSerializable(typeof(TurnAccepted))]
[JsonSerializable(typeof(SessionList))]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(UpdateSessionBody))]
[JsonSerializable(typeof(AnswerApprovalBody))]
[JsonSerializable(typeof(InterruptAccepted))]
[JsonSerializable(typeof(SessionOptions))]
[JsonSerializable(typeof(FileWritten))]
[JsonSerializable(typeof(CallerInfo))]
[JsonSerializable(typeof(CreateApiKeyBody))]
[JsonSerializable(typeof(ApiKeyInfo))]
[JsonSerializable(typeof(IReadOnlyList<ApiKeyInfo>))]
[JsonSerializable(typeof(CreatedApiKey))]
[JsonSerializable(typeof(IReadOnlyList<WorkspaceFileInfo>))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class AgentRuntimeJsonContext : JsonSerializerContext;
