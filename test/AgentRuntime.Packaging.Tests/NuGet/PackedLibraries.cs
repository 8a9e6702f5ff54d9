using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using AgentRuntime.Packaging.Tests.Support;

namespace AgentRuntime.Packaging.Tests.NuGet;

/// <summary>
/// Every project under src/ (and test/AgentRuntime.Testing, a library that must not become a package) packed once with
/// `dotnet pack` in Release into a private local feed. The build goes to its own artifacts directory, so the checkout's
/// bin/ and obj/ are left as they were. The version is the repository's with a prerelease suffix of this run's own, so a
/// copy of an earlier run in a NuGet cache can never stand in for the packages just made.
/// </summary>
public sealed class PackedLibraries : IAsyncLifetime
{
    public static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(8);

    private readonly PrivateDirectory _directory = new("agent-runtime-packages-");

    /// <summary>The local feed: a directory of .nupkg and .snupkg files.</summary>
    public string Feed => _directory.Combine("feed");

    /// <summary>The repository's version, <c>VersionPrefix</c> in Directory.Build.props.</summary>
    public string VersionPrefix { get; } = ReadVersionPrefix();

    /// <summary>The version the packages were made with.</summary>
    public string Version { get; private set; } = "";

    /// <summary>The projects that were packed (their names), the Host and AgentRuntime.Testing among them.</summary>
    public IReadOnlyList<string> Projects { get; private set; } = [];

    public string WorkDirectory => _directory.Path;

    public async ValueTask InitializeAsync()
    {
        var suffix = $"packtest.g{Guid.NewGuid().ToString("N")[..8]}";
        Version = $"{VersionPrefix}-{suffix}";
        var projects = Directory.GetDirectories(Repository.PathOf("src"))
            .SelectMany(d => Directory.GetFiles(d, "*.csproj"))
            .Append(Repository.PathOf("test", "AgentRuntime.Testing", "AgentRuntime.Testing.csproj"))
            .Select(p => Path.GetRelativePath(Repository.Root, p))
            .Order(StringComparer.Ordinal)
            .ToList();
        Projects = projects.Select(Path.GetFileNameWithoutExtension).ToList()!;

        // A solution filter: the solution's projects that are packed, and only those (and what they reference) built.
        var filter = _directory.Combine("packages.slnf");
        await File.WriteAllTextAsync(filter, JsonSerializer.Serialize(new
        {
            solution = new { path = Repository.PathOf("AgentRuntime.slnx"), projects },
        }));
        await ChildProcess.RunAsync(
            "dotnet",
            ["pack", filter, "-c", "Release", "-o", Feed, "--artifacts-path", _directory.Combine("artifacts"), $"-p:VersionSuffix={suffix}"],
            Repository.Root,
            _directory.Combine("pack.log"),
            PackTimeout);
    }

    /// <summary>The .nupkg files of the feed by package id.</summary>
    public IReadOnlyDictionary<string, string> Packages() => Directory.GetFiles(Feed, "*.nupkg")
        .ToDictionary(p => Path.GetFileName(p)[..^$".{Version}.nupkg".Length], StringComparer.Ordinal);

    /// <summary>The nuspec of a package, and the names of the files it holds.</summary>
    public static (XElement Metadata, IReadOnlyList<string> Files) Read(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
        using var stream = nuspec.Open();
        var document = XDocument.Load(stream);
        var metadata = document.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        return (metadata, zip.Entries.Select(e => e.FullName).ToList());
    }

    public ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string ReadVersionPrefix()
    {
        var props = XDocument.Load(Repository.PathOf("Directory.Build.props"));
        return props.Descendants("VersionPrefix").Single().Value.Trim();
    }
}
