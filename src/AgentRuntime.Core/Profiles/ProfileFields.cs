using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Serialization;

namespace AgentRuntime.Profiles;

/// <summary>Which fields a profile sets, by their JSON names.</summary>
internal static class ProfileFields
{
    /// <summary>The fields with a value: not absent, not an empty list or map, not an empty text.</summary>
    public static IReadOnlyList<string> Set(AgentProfile profile) =>
        [.. JsonSerializer.SerializeToNode(profile, AgentRuntimeJsonContext.Default.AgentProfile)!.AsObject()
            .Where(p => p.Value switch
            {
                null => false,
                JsonArray a => a.Count > 0,
                JsonObject o => o.Count > 0,
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().Length > 0,
                _ => true,
            })
            .Select(p => p.Key)];
}
