using Orleans.Serialization.Cloning;

namespace AgentRuntime.Cluster;

/// <summary>
/// Passes the runtime's values (events, blocks, options, records) through a call within one node as they are. They are
/// immutable records by the runtime's own rule — the event log hands the same instances to every subscriber — so the
/// copy Orleans makes of a call's arguments and result, to isolate activations, would only cost time, and would turn a
/// record's list into another type of list that no longer compares equal.
/// </summary>
internal sealed class RuntimeValueCopier(Func<Type, bool> isRuntimeValue) : IGeneralizedCopier
{
    public object? DeepCopy(object? input, CopyContext context) => input;

    public bool IsSupportedType(Type type) => isRuntimeValue(type);
}
