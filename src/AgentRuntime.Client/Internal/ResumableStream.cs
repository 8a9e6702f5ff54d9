using System.Runtime.CompilerServices;

namespace AgentRuntime.Client.Internal;

/// <summary>What to do with an item a subscription yielded.</summary>
internal enum ItemStep
{
    /// <summary>Hand it to the caller.</summary>
    Yield,

    /// <summary>Drop it (already seen).</summary>
    Skip,

    /// <summary>Drop it and subscribe again: something was missed.</summary>
    Resubscribe,
}

/// <summary>
/// Reads a server-to-client stream that may break: when it fails or ends, it asks whether to resume, waits as the
/// <see cref="ReconnectPolicy"/> says and opens it again. <c>open</c> is called for each attempt, so it can subscribe
/// from wherever the caller's cursor now stands.
/// </summary>
internal static class ResumableStream
{
    /// <param name="open">Opens one subscription.</param>
    /// <param name="accept">Judges each item; a <see cref="ItemStep.Yield"/> counts as progress and resets the attempts.</param>
    /// <param name="shouldResume">
    /// Called when a subscription ended: with the error, or <see langword="null"/> when it completed. Returns whether
    /// to subscribe again (<see langword="false"/> ends the stream); may throw to fail it.
    /// </param>
    /// <param name="policy">Delays and the attempt limit.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    public static async IAsyncEnumerable<T> ReadAsync<T>(
        Func<CancellationToken, IAsyncEnumerable<T>> open,
        Func<T, ItemStep> accept,
        Func<Exception?, CancellationToken, Task<bool>> shouldResume,
        ReconnectPolicy policy,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (true)
        {
            Exception? failure = null;
            var resubscribe = false;
            using (var current = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var items = open(current.Token).GetAsyncEnumerator(current.Token);
                try
                {
                    while (true)
                    {
                        try
                        {
                            if (!await items.MoveNextAsync().ConfigureAwait(false))
                            {
                                break;
                            }
                        }
                        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                        {
                            failure = ex;
                            break;
                        }

                        var step = accept(items.Current);
                        if (step == ItemStep.Resubscribe)
                        {
                            resubscribe = true;
                            break;
                        }

                        if (step == ItemStep.Yield)
                        {
                            attempt = 0;
                            yield return items.Current;
                        }
                    }
                }
                finally
                {
                    // Ends the server's stream too (SignalR sends a cancel for it) before the enumerator is disposed.
                    await current.CancelAsync().ConfigureAwait(false);
                    await DisposeQuietlyAsync(items).ConfigureAwait(false);
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (!resubscribe && !await shouldResume(failure, cancellationToken).ConfigureAwait(false))
            {
                yield break;
            }

            if (++attempt > policy.MaxAttempts)
            {
                throw failure ?? new InvalidOperationException($"The subscription was resumed {policy.MaxAttempts} times in a row without progress.");
            }

            var delay = policy.DelayBefore(attempt - 1);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async ValueTask DisposeQuietlyAsync<T>(IAsyncEnumerator<T> items)
    {
        try
        {
            await items.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The stream already broke or was cancelled; how its disposal went changes nothing.
        }
    }
}
