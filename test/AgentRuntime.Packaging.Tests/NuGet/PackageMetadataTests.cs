using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using AgentRuntime.Packaging.Tests.Support;

namespace AgentRuntime.Packaging.Tests.NuGet;

/// <summary>What `dotnet pack` makes of the repository: which projects become packages, and what each one says and holds.</summary>
[Collection(PackedLibrariesCollection.Name)]
public sealed class PackageMetadataTests(PackedLibraries packed)
{
    private static readonly string[] NotPackages = ["AgentRuntime.Host", "AgentRuntime.Testing"];

    [Fact]
    public void Pack_EveryLibraryUnderSrc_IsAPackageOfTheOneVersion()
    {
        var expected = packed.Projects.Except(NotPackages).Order(StringComparer.Ordinal);

        Assert.Equal(expected, packed.Packages().Keys.Order(StringComparer.Ordinal));
        Assert.All(packed.Packages().Values, p => Assert.Equal(packed.Version, Element(PackedLibraries.Read(p).Metadata, "version")));
    }

    [Fact]
    public void Pack_TheHostAndTheTestLibrary_AreNotPackages()
    {
        Assert.Contains("AgentRuntime.Host", packed.Projects);
        Assert.Contains("AgentRuntime.Testing", packed.Projects);

        var made = Directory.GetFiles(packed.Feed).Select(Path.GetFileName).ToList();

        Assert.DoesNotContain(made, f => f!.StartsWith("AgentRuntime.Host.", StringComparison.Ordinal) || f.StartsWith("AgentRuntime.Testing.", StringComparison.Ordinal));
    }

    [Fact]
    public void Pack_EveryPackage_HasTheMetadataAReaderNeeds()
    {
        foreach (var (id, path) in packed.Packages())
        {
            var (metadata, files) = PackedLibraries.Read(path);
            Assert.Equal("Agent Runtime contributors", Element(metadata, "authors"));
            Assert.Equal("MIT", Element(metadata, "license"));
            Assert.Equal("expression", metadata.Elements().Single(e => e.Name.LocalName == "license").Attribute("type")?.Value);
            Assert.False(string.IsNullOrWhiteSpace(Element(metadata, "description")), $"{id} has no description");
            Assert.NotEqual(id, Element(metadata, "description"));
            Assert.Contains("agents", Element(metadata, "tags")!.Split(' '));

            // The README is in the package, and it is the project's own (it names the package).
            Assert.Equal("README.md", Element(metadata, "readme"));
            Assert.Contains("README.md", files);
            Assert.StartsWith($"# {id}", ReadEntry(path, "README.md"), StringComparison.Ordinal);

            // Source Link's part that needs no remote: the commit the package was built from.
            var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
            Assert.Matches("^[0-9a-f]{40}$", repository.Attribute("commit")?.Value ?? "");

            if (IsTool(metadata))
            {
                Assert.Contains(files, f => f.StartsWith("tools/net10.0/", StringComparison.Ordinal) && f.EndsWith(".dll", StringComparison.Ordinal));
            }
            else
            {
                Assert.Contains($"lib/net10.0/{id}.dll", files);
                Assert.Contains($"lib/net10.0/{id}.xml", files);
            }
        }
    }

    [Fact]
    public void Pack_EveryPackage_HasASymbolPackageWithItsPdb()
    {
        foreach (var (id, path) in packed.Packages())
        {
            var symbols = Path.ChangeExtension(path, ".snupkg");
            Assert.True(File.Exists(symbols), $"{id} has no .snupkg");
            using var zip = ZipFile.OpenRead(symbols);
            var pdb = IsTool(PackedLibraries.Read(path).Metadata) ? "tools/net10.0/" : $"lib/net10.0/{id}.pdb";
            Assert.Contains(zip.Entries, e => e.FullName.StartsWith(pdb, StringComparison.Ordinal) && e.FullName.EndsWith(".pdb", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Versions_TheNpmPackageAndTheNuGetPackages_AreOneVersion()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("clients", "react", "package.json")));

        Assert.Equal(packed.VersionPrefix, json.RootElement.GetProperty("version").GetString());
        Assert.StartsWith(packed.VersionPrefix + "-", packed.Version, StringComparison.Ordinal);
    }

    // A .NET tool (PackAsTool) holds its app under tools/ rather than a library under lib/.
    private static bool IsTool(XElement metadata) => metadata.Descendants().Any(e => e.Name.LocalName == "packageType" && e.Attribute("name")?.Value == "DotnetTool");

    private static string? Element(XElement metadata, string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

    private static string ReadEntry(string nupkg, string name)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }
}
