using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Packaging.Tests.Support;

namespace AgentRuntime.Packaging.Tests.Npm;

/// <summary>
/// The React hooks package (clients/react) as `npm pack` makes it — its prepack script builds it — installed from the
/// tarball into a fresh Vite + React app (the files of Samples/vite) in a private directory. The app's other packages
/// are the versions the hooks package itself pins, resolved from its lock file and the machine's npm cache.
/// </summary>
public sealed class PackedHooksPackage : IAsyncLifetime
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    // What the app needs besides the hooks: React, and the tools to type-check, build and test it.
    private static readonly string[] Dependencies = ["react", "react-dom"];
    private static readonly string[] DevDependencies = ["@types/react", "@types/react-dom", "typescript", "vite", "vitest", "jsdom"];

    private readonly PrivateDirectory _directory = new("agent-runtime-sample-vite-");

    public string Tarball { get; private set; } = "";

    public string AppDirectory => _directory.Combine("app");

    public static string PackageDirectory => Repository.PathOf("clients", "react");

    public async ValueTask InitializeAsync()
    {
        if (!Directory.Exists(Path.Combine(PackageDirectory, "node_modules", "typescript")))
        {
            throw new InvalidOperationException("clients/react has no node_modules: run `npm ci` there first (scripts/build-web.sh and scripts/test.sh do).");
        }

        var packed = _directory.Combine("packed");
        Directory.CreateDirectory(packed);
        await RunAsync("npm", ["pack", "--pack-destination", packed], PackageDirectory, "pack.log");
        Tarball = Directory.GetFiles(packed, "*.tgz").Single();

        CopyDirectory(Path.Combine(AppContext.BaseDirectory, "Samples", "vite"), AppDirectory);
        var hooks = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(PackageDirectory, "package.json")))!.AsObject();
        var pinned = hooks["devDependencies"]!.AsObject();
        var dependencies = new JsonObject { ["@agent-runtime/react"] = $"file:{Tarball}" };
        foreach (var name in Dependencies)
        {
            dependencies[name] = pinned[name]!.GetValue<string>();
        }

        var app = new JsonObject
        {
            ["name"] = "agent-runtime-react-sample",
            ["private"] = true,
            ["type"] = "module",
            ["dependencies"] = dependencies,
            ["devDependencies"] = new JsonObject(DevDependencies.Select(n => KeyValuePair.Create(n, (JsonNode?)pinned[n]!.GetValue<string>()))),
            ["overrides"] = hooks["overrides"]?.DeepClone(),
        };
        await File.WriteAllTextAsync(Path.Combine(AppDirectory, "package.json"), app.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        // The hooks package's lock holds every one of these at the version the repository tests with: starting from it,
        // npm resolves nothing anew, and --prefer-offline takes the tarballs from the cache that `npm ci` filled.
        File.Copy(Path.Combine(PackageDirectory, "package-lock.json"), Path.Combine(AppDirectory, "package-lock.json"));
        await RunAsync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], AppDirectory, "install.log");
    }

    /// <summary>The files of the tarball (without its <c>package/</c> root), with their contents.</summary>
    public IReadOnlyDictionary<string, byte[]> TarballFiles()
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var gzip = new GZipStream(File.OpenRead(Tarball), CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                using var content = new MemoryStream();
                entry.DataStream?.CopyTo(content);
                files[entry.Name.StartsWith("package/", StringComparison.Ordinal) ? entry.Name["package/".Length..] : entry.Name] = content.ToArray();
            }
        }

        return files;
    }

    /// <summary>Runs a tool of the app (node_modules/.bin) in the app's directory; fails unless it exits with 0.</summary>
    public Task<string> RunToolAsync(string tool, string[] arguments, string log) =>
        RunAsync(Path.Combine(AppDirectory, "node_modules", ".bin", tool), arguments, AppDirectory, log);

    /// <summary>Runs a tool of the app and returns its exit code and output, whatever the code.</summary>
    public async Task<(int ExitCode, string Log)> TryToolAsync(string tool, string[] arguments, string log)
    {
        await using var process = ChildProcess.Start(Path.Combine(AppDirectory, "node_modules", ".bin", tool), arguments, AppDirectory, _directory.Combine(log));
        await process.WaitForExitAsync(Timeout);
        return (process.ExitCode, process.Log);
    }

    public Task<string> RunAsync(string command, string[] arguments, string workingDirectory, string log) =>
        ChildProcess.RunAsync(command, arguments, workingDirectory, _directory.Combine(log), Timeout);

    public ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
