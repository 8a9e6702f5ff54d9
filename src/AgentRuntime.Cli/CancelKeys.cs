namespace AgentRuntime.Cli;

/// <summary>
/// Ctrl-C, as the commands see it. A command that streams a session takes the key while it runs (<see cref="Take"/>):
/// the first press interrupts the turn, the second ends the command. Pressed with nobody holding it, the key ends the
/// whole run through <see cref="Token"/>. The program feeds it from <see cref="Console.CancelKeyPress"/>; tests press it
/// themselves.
/// </summary>
internal sealed class CancelKeys : IDisposable
{
    private readonly CancellationTokenSource _exit = new();
    private readonly Lock _lock = new();
    private Action? _handler;

    /// <summary>Cancelled when Ctrl-C was pressed with no command holding the key.</summary>
    public CancellationToken Token => _exit.Token;

    /// <summary>Presses Ctrl-C once.</summary>
    public void Press()
    {
        Action? handler;
        lock (_lock)
        {
            handler = _handler;
        }

        if (handler is null)
        {
            _exit.Cancel();
        }
        else
        {
            handler();
        }
    }

    /// <summary>Routes presses to <paramref name="handler"/> until the returned scope is disposed.</summary>
    public IDisposable Take(Action handler)
    {
        lock (_lock)
        {
            if (_handler is not null)
            {
                throw new InvalidOperationException("Ctrl-C is already taken.");
            }

            _handler = handler;
        }

        return new Release(this);
    }

    public void Dispose() => _exit.Dispose();

    private sealed class Release(CancelKeys keys) : IDisposable
    {
        public void Dispose()
        {
            lock (keys._lock)
            {
                keys._handler = null;
            }
        }
    }
}
