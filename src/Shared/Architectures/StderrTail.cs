using System.Text;

namespace AgentRuntime.Architectures;

/// <summary>The last lines an agent's process wrote to standard error, kept to explain a crash. Thread-safe.</summary>
/// <remarks>Compiled into each architecture that starts a process (linked from src/Shared).</remarks>
internal sealed class StderrTail(int maxLines = 40)
{
    private readonly Lock _lock = new();
    private readonly Queue<string> _lines = new();

    public void Add(string line)
    {
        lock (_lock)
        {
            _lines.Enqueue(line.Length > 1000 ? line[..1000] + "…" : line);
            while (_lines.Count > maxLines)
            {
                _lines.Dequeue();
            }
        }
    }

    /// <summary>The kept lines, or <see langword="null"/> when the process wrote nothing.</summary>
    public string? Text()
    {
        lock (_lock)
        {
            return _lines.Count == 0 ? null : new StringBuilder().AppendJoin('\n', _lines).ToString();
        }
    }
}
