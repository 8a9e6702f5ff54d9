using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentRuntime.Packaging.Tests.Support;

namespace AgentRuntime.Packaging.Tests.Npm;

/// <summary>
/// The hooks package as a user gets it: the tarball holds the built package and nothing that points outside it, installs
/// into a fresh Vite app, resolves as ESM, type-checks, bundles, and a hook of it renders.
/// </summary>
public sealed partial class HooksPackageTests(PackedHooksPackage package) : IClassFixture<PackedHooksPackage>
{
    [Fact]
    public void Tarball_HoldsTheBuiltPackageAndItsReadme_AndNothingElse()
    {
        var files = package.TarballFiles();

        Assert.All(files.Keys, f => Assert.True(f is "package.json" or "README.md" || f.StartsWith("dist/", StringComparison.Ordinal), $"{f} is in the tarball"));
        Assert.Contains("dist/index.js", files.Keys);
        Assert.Contains("dist/index.d.ts", files.Keys);
        using var manifest = JsonDocument.Parse(files["package.json"]);
        var entry = manifest.RootElement.GetProperty("exports").GetProperty(".");
        Assert.Equal("./dist/index.d.ts", entry.GetProperty("types").GetString());
        Assert.Equal("./dist/index.js", entry.GetProperty("import").GetString());
        using var repository = JsonDocument.Parse(File.ReadAllText(Path.Combine(PackedHooksPackage.PackageDirectory, "package.json")));
        Assert.Equal(repository.RootElement.GetProperty("version").GetString(), manifest.RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public void Tarball_SourceMaps_PointOnlyAtFilesInThePackage()
    {
        var files = package.TarballFiles();

        foreach (var (path, content) in files.Where(f => f.Key.EndsWith(".js", StringComparison.Ordinal) || f.Key.EndsWith(".d.ts", StringComparison.Ordinal)))
        {
            foreach (Match reference in SourceMappingUrl().Matches(Encoding.UTF8.GetString(content)))
            {
                var map = Resolve(path, reference.Groups[1].Value);
                Assert.True(files.ContainsKey(map), $"{path} names the source map {map}, which is not in the package");
                using var json = JsonDocument.Parse(files[map]);
                foreach (var source in json.RootElement.GetProperty("sources").EnumerateArray())
                {
                    var file = Resolve(map, source.GetString()!);
                    Assert.True(files.ContainsKey(file), $"{map} maps to {file}, which is not in the package");
                }
            }
        }

        Assert.DoesNotContain(files.Keys, f => f.EndsWith(".map", StringComparison.Ordinal) && !files.Keys.Any(k => k + ".map" == f));
    }

    [Fact]
    public async Task ViteApp_ThePackagesEsmEntry_ResolvesInNode()
    {
        var output = await package.RunAsync(
            "node",
            ["--input-type=module", "-e", "const m = await import('@agent-runtime/react'); console.log(['AgentServiceProvider', 'useSessionList', 'useMessages'].map(n => `${n}:${typeof m[n]}`).join(' '));"],
            package.AppDirectory,
            "node-import.log");

        Assert.Contains("AgentServiceProvider:function useSessionList:function useMessages:function", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ViteApp_UsingTheHooks_TypeChecksAgainstThePackagesOwnTypes()
    {
        var output = await package.RunToolAsync("tsc", ["-p", "tsconfig.json", "--listFiles"], "tsc.log");

        Assert.Contains(output.Split('\n'), l => l.Trim().EndsWith("/node_modules/@agent-runtime/react/dist/index.d.ts", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ViteApp_MisusingTheHooks_FailsTheTypeCheck()
    {
        var (exitCode, output) = await package.TryToolAsync("tsc", ["-p", "tsconfig.misuse.json"], "tsc-misuse.log");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("misuse/Misuse.tsx(6,9): error TS2322: Type 'number' is not assignable to type 'string'.", output, StringComparison.Ordinal);
        Assert.Contains("misuse/Misuse.tsx(7,32): error TS2322", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ViteApp_Build_BundlesTheHooksFromThePackage()
    {
        await package.RunToolAsync("vite", ["build"], "vite-build.log");

        var bundles = Directory.GetFiles(Path.Combine(package.AppDirectory, "dist", "assets"), "*.js");
        Assert.Contains(bundles, b => File.ReadAllText(b).Contains("Agent runtime hooks must be used inside an <AgentServiceProvider>.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ViteApp_AComponentUsingAHook_RendersTheSessionsInJsdom()
    {
        var report = Path.Combine(package.AppDirectory, "vitest-report.json");

        await package.RunToolAsync("vitest", ["run", "--reporter=default", "--reporter=json", $"--outputFile.json={report}"], "vitest.log");

        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var test = json.RootElement.GetProperty("testResults").EnumerateArray().SelectMany(f => f.GetProperty("assertionResults").EnumerateArray()).Single();
        Assert.Equal(("useSessionList renders the server's sessions and one the hub announces", "passed"), (test.GetProperty("title").GetString(), test.GetProperty("status").GetString()));
    }

    // A relative URL against the file that names it, inside the package.
    private static string Resolve(string from, string relative) =>
        Path.GetRelativePath("/package", Path.GetFullPath(Path.Combine("/package", Path.GetDirectoryName(from) ?? "", relative)));

    [GeneratedRegex(@"//# sourceMappingURL=(\S+)")]
    private static partial Regex SourceMappingUrl();
}
