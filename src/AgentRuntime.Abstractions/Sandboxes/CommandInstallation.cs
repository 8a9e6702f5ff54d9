namespace AgentRuntime.Sandboxes;

/// <summary>Where a command is installed, so an isolating sandbox can make it visible (<see cref="SandboxProcessSpec.ReadOnlyPaths"/>).</summary>
public static class CommandInstallation
{
    /// <summary>
    /// The host directories a command needs to run: for a command inside an npm <c>node_modules</c> tree, that whole
    /// tree (its bin links point into sibling packages and it loads them); otherwise the executable itself (its link and
    /// its target), not its directory, which may hold anything. Empty for a bare name looked up on <c>PATH</c>, which
    /// the sandbox's own system directories hold.
    /// </summary>
    public static IReadOnlyList<string> RootsOf(string command)
    {
        if (!Path.IsPathRooted(command))
        {
            return [];
        }

        var roots = new List<string>();
        foreach (var path in new[] { command, ResolveLinks(command) })
        {
            var index = path.LastIndexOf("/node_modules/", StringComparison.Ordinal);
            var root = index >= 0 ? path[..(index + "/node_modules".Length)] : path;
            if (!roots.Contains(root, StringComparer.Ordinal))
            {
                roots.Add(root);
            }
        }

        return roots;
    }

    private static string ResolveLinks(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path;
        }
    }
}
