using System.Xml.Linq;
using AgentRuntime.Packaging.Tests.Support;

namespace AgentRuntime.Packaging.Tests.NuGet;

/// <summary>
/// A fresh `dotnet new web` app in a private directory that references the packed packages from the local feed, its
/// Program.cs the one in Samples/web, built in Release. Restore reads the machine's own NuGet configuration with the
/// local feed added beside its sources, and takes everything else from the machine's package cache.
/// </summary>
public sealed class WebAppSample(PackedLibraries packed) : IAsyncLifetime
{
    public static readonly string[] References =
        ["AgentRuntime.Server", "AgentRuntime.Sandboxes.Local", "AgentRuntime.Architectures.Claude", "AgentRuntime.Persistence.Sqlite"];

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private readonly PrivateDirectory _directory = new("agent-runtime-sample-web-");

    public string AppDirectory => _directory.Combine("app");

    public string AppDll => Path.Combine(AppDirectory, "bin", "Release", "net10.0", "Sample.dll");

    /// <summary>Where restore put the packages it did not find in the machine's cache: the runtime's, from the feed.</summary>
    public string PackagesDirectory => _directory.Combine("packages");

    public PackedLibraries Packed => packed;

    public async ValueTask InitializeAsync()
    {
        await RunAsync("dotnet", ["new", "web", "--name", "Sample", "--output", AppDirectory, "--no-restore"], _directory.Path, "new.log");

        var machineCache = (await ChildProcess.RunAsync("dotnet", ["nuget", "locals", "global-packages", "--list"], _directory.Path, _directory.Combine("locals.log"), BuildTimeout))
            .Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("global-packages:", StringComparison.Ordinal))["global-packages:".Length..].Trim();
        // No <clear/>: the machine's sources stay, the feed is added to them. The runtime's packages land in a cache of
        // this app's own; every other package is read from the machine's cache where it already is.
        new XDocument(new XElement("configuration",
            new XElement("config", new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", PackagesDirectory))),
            new XElement("packageSources", new XElement("add", new XAttribute("key", "agent-runtime-local"), new XAttribute("value", packed.Feed))),
            new XElement("fallbackPackageFolders", new XElement("add", new XAttribute("key", "machine"), new XAttribute("value", machineCache)))))
            .Save(Path.Combine(AppDirectory, "nuget.config"));

        var projectFile = Path.Combine(AppDirectory, "Sample.csproj");
        var project = XDocument.Load(projectFile);
        project.Root!.Add(new XElement("ItemGroup", References.Select(id =>
            new XElement("PackageReference", new XAttribute("Include", id), new XAttribute("Version", packed.Version)))));
        project.Save(projectFile);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Samples", "web", "Program.cs"), Path.Combine(AppDirectory, "Program.cs"), overwrite: true);

        await RunAsync("dotnet", ["build", "-c", "Release"], AppDirectory, "build.log");
    }

    /// <summary>Starts the built app on a free loopback port with these settings (environment variables).</summary>
    internal ChildProcess Start(IReadOnlyDictionary<string, string?> environment, string log) =>
        ChildProcess.Start("dotnet", [AppDll, "--urls", "http://127.0.0.1:0"], AppDirectory, _directory.Combine(log), environment);

    public ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private Task<string> RunAsync(string command, string[] arguments, string workingDirectory, string log) =>
        ChildProcess.RunAsync(command, arguments, workingDirectory, _directory.Combine(log), BuildTimeout, new Dictionary<string, string?>
        {
            // A NUGET_PACKAGES of the machine's would win over the app's own cache folder.
            ["NUGET_PACKAGES"] = PackagesDirectory,
        });
}
