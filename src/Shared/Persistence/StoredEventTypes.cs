using System.Collections.Frozen;
using AgentRuntime.Events;
using AgentRuntime.Serialization;

namespace AgentRuntime.Persistence;

/// <summary>
/// The wire discriminator of each session event type, which the database stores keep in a column of their own so the
/// log can be queried by type without parsing payloads. The names come from the <c>[JsonDerivedType]</c> attributes,
/// the one place they are declared.
/// </summary>
/// <remarks>Compiled into each database store (linked from src/Shared), so neither exposes it.</remarks>
internal static class StoredEventTypes
{
    private static readonly FrozenDictionary<Type, string> Names =
        (AgentRuntimeJsonContext.Default.SessionEvent.PolymorphismOptions
            ?? throw new InvalidOperationException("SessionEvent has no polymorphism metadata."))
        .DerivedTypes
        .ToFrozenDictionary(d => d.DerivedType, d => (string)d.TypeDiscriminator!);

    /// <summary>The type names of <paramref name="events"/>, in order.</summary>
    /// <exception cref="ArgumentException">An event is null or of a type that is not registered.</exception>
    public static string[] NamesOf(IReadOnlyList<SessionEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var names = new string[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(events[i], nameof(events));
            names[i] = Names.TryGetValue(events[i].GetType(), out var name)
                ? name
                : throw new ArgumentException($"'{events[i].GetType().Name}' is not a registered session event type.", nameof(events));
        }

        return names;
    }
}
