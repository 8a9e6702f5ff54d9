using System.Text.Json.Serialization;

namespace AgentRuntime.Events;

/// <summary>
/// Something that happened in a session. Every event is appended to the session's durable log with a gap-free
/// sequence number before it is broadcast, so a client that missed events replays them by <see cref="Seq"/>.
/// On the wire: <c>{seq, sessionId, type, timestamp, ...payload}</c>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(BlockStartEvent), "session:block:start")]
[JsonDerivedType(typeof(BlockDeltaEvent), "session:block:delta")]
[JsonDerivedType(typeof(BlockUpdateEvent), "session:block:update")]
[JsonDerivedType(typeof(BlockCompleteEvent), "session:block:complete")]
[JsonDerivedType(typeof(MetadataUpdateEvent), "session:metadata:update")]
[JsonDerivedType(typeof(StatusEvent), "session:status")]
[JsonDerivedType(typeof(TurnStartedEvent), "session:turn:started")]
[JsonDerivedType(typeof(TurnCompletedEvent), "session:turn:completed")]
[JsonDerivedType(typeof(TurnFailedEvent), "session:turn:failed")]
[JsonDerivedType(typeof(FileCreatedEvent), "session:file:created")]
[JsonDerivedType(typeof(FileModifiedEvent), "session:file:modified")]
[JsonDerivedType(typeof(FileDeletedEvent), "session:file:deleted")]
[JsonDerivedType(typeof(ApprovalRequestedEvent), "session:approval:requested")]
[JsonDerivedType(typeof(ApprovalResolvedEvent), "session:approval:resolved")]
[JsonDerivedType(typeof(OptionsUpdateEvent), "session:options:update")]
[JsonDerivedType(typeof(ErrorEvent), "error")]
public abstract record SessionEvent
{
    /// <summary>Position in the session's log, starting at 1 with no gaps; 0 until the log assigns it.</summary>
    public long Seq { get; init; }

    /// <summary>The session the event belongs to; empty until the log assigns it.</summary>
    public string SessionId { get; init; } = "";

    /// <summary>When the event was logged.</summary>
    public DateTimeOffset Timestamp { get; init; }
}
