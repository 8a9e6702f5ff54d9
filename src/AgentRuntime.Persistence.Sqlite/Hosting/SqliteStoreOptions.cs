using System.ComponentModel.DataAnnotations;

namespace AgentRuntime.Hosting;

/// <summary>
/// Settings of the SQLite store, bound from the configuration section <c>AgentRuntime:Sqlite</c>
/// (so <c>AgentRuntime__Sqlite__Path</c> sets <see cref="Path"/> from the environment).
/// </summary>
public sealed class SqliteStoreOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "AgentRuntime:Sqlite";

    /// <summary>The database file name used inside <see cref="AgentRuntimeOptions.DataDirectory"/> when <see cref="Path"/> is not set.</summary>
    public const string DefaultFileName = "agent-runtime.db";

    /// <summary>
    /// The database file. When <see langword="null"/>, <c>agent-runtime.db</c> in <see cref="AgentRuntimeOptions.DataDirectory"/>.
    /// Relative paths are resolved against the working directory. The file and its directory are created if missing.
    /// </summary>
    [MinLength(1, ErrorMessage = "AgentRuntime:Sqlite:Path must not be empty; leave it unset to keep the database in the data directory.")]
    public string? Path { get; set; }
}
