using AgentRuntime.Events;

namespace AgentRuntime.Client.Internal;

/// <summary>
/// The last seq a subscriber handed on, and the rule that keeps its output contiguous: the next event must be
/// <c>Last + 1</c>; an older one is a duplicate, a newer one means events were missed and the stream must be read
/// again from <see cref="Last"/>.
/// </summary>
internal sealed class SeqCursor(long afterSeq)
{
    public long Last { get; private set; } = afterSeq;

    public ItemStep Accept(SessionEvent e)
    {
        if (e.Seq <= Last)
        {
            return ItemStep.Skip;
        }

        if (e.Seq != Last + 1)
        {
            return ItemStep.Resubscribe;
        }

        Last = e.Seq;
        return ItemStep.Yield;
    }
}
