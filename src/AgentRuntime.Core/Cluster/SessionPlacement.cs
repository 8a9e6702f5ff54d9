using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace AgentRuntime.Cluster;

/// <summary>
/// Where a session's grain is activated: on the node that asks for it (the one whose client created or woke the
/// session, whose subscribers then read its log with no hop), unless that node is draining for a stop; then on another
/// node of the cluster, so a stopping node takes on no session it would have to give up again.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("AgentRuntime.SessionPlacement")]
internal sealed class SessionPlacement : PlacementStrategy
{
    public static SessionPlacement Instance { get; } = new();
}

/// <summary>Places a grain class by <see cref="SessionPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class SessionPlacementAttribute() : PlacementAttribute(SessionPlacement.Instance);

/// <summary>Decides <see cref="SessionPlacement"/> on each node.</summary>
internal sealed class SessionPlacementDirector(LocalSessions local) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        var here = context.LocalSilo;
        var canStayHere = context.LocalSiloStatus == SiloStatus.Active && compatible.Contains(here);
        if (canStayHere && !local.Draining)
        {
            return Task.FromResult(here);
        }

        var others = compatible.Where(s => !s.Equals(here)).ToArray();
        // A draining node with no other node to give to (a single server) keeps its sessions until it stops.
        return Task.FromResult(others.Length > 0 ? others[Random.Shared.Next(others.Length)] : here);
    }
}
