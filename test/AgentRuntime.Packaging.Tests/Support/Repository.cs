namespace AgentRuntime.Packaging.Tests.Support;

/// <summary>The checkout these tests were built from: found upward from the test assembly by its solution file.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentRuntime.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No AgentRuntime.slnx above {AppContext.BaseDirectory}: the tests run from a checkout's build output.");
    }
}
