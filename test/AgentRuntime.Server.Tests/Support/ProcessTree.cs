using System.Globalization;

namespace AgentRuntime.Server.Tests.Support;

/// <summary>A process as <c>/proc</c> shows it, told apart from a later one with the same id by its start time.</summary>
internal sealed record ProcessEntry(int Id, int ParentId, long StartTime, string Name)
{
    /// <summary>Whether this very process still exists (and is not a zombie waiting to be reaped).</summary>
    public bool IsRunning => ProcessTree.Read(Id) is { } now && now.Entry.StartTime == StartTime && now.State != 'Z';
}

/// <summary>The descendants of a process, read from <c>/proc</c> (Linux).</summary>
internal static class ProcessTree
{
    /// <summary>Every process descended from <paramref name="rootId"/> (children, their children, ...), not the root itself.</summary>
    public static IReadOnlyList<ProcessEntry> Descendants(int rootId)
    {
        var all = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? Read(id) : null)
            .OfType<(ProcessEntry Entry, char State)>()
            .Select(p => p.Entry)
            .ToList();
        var found = new List<ProcessEntry>();
        var parents = new Queue<int>([rootId]);
        while (parents.TryDequeue(out var parent))
        {
            foreach (var child in all.Where(p => p.ParentId == parent))
            {
                found.Add(child);
                parents.Enqueue(child.Id);
            }
        }

        return found;
    }

    internal static (ProcessEntry Entry, char State)? Read(int id)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{id}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid ..." where comm may hold spaces and parentheses: the fields after it start past the last ')'.
        var close = stat.LastIndexOf(')');
        var name = stat[(stat.IndexOf('(') + 1)..close];
        var fields = stat[(close + 2)..].Split(' ');
        // fields[0] is the state (field 3 of stat), fields[1] the parent (4), fields[19] the start time (22).
        return (new ProcessEntry(id, int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[19], CultureInfo.InvariantCulture), name), fields[0][0]);
    }
}
