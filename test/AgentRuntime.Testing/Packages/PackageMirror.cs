using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Testing.Packages;

/// <summary>
/// A local package registry on a real Kestrel at <c>127.0.0.1</c>: an npm registry under <see cref="NpmRegistry"/>
/// (package documents and tarballs) and a Python simple index (PEP 503) under <see cref="PipIndexUrl"/> (wheels). The
/// packages are made by the test (<see cref="AddNpmPackage"/>, <see cref="AddPipPackage"/>) as real archives the real
/// npm and pip install. Every download is counted (<see cref="Downloads"/>).
/// </summary>
public sealed class PackageMirror : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, NpmPackage> _npm = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PipPackage> _pip = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _downloads = new(StringComparer.Ordinal);
    private WebApplication? _app;

    private PackageMirror()
    {
    }

    /// <summary>The address, such as <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The npm registry's URL (what <c>npm_config_registry</c> takes).</summary>
    public string NpmRegistry => new Uri(BaseAddress, "npm/").ToString();

    /// <summary>The Python index's URL (what <c>PIP_INDEX_URL</c> takes).</summary>
    public string PipIndexUrl => new Uri(BaseAddress, "pypi/simple/").ToString();

    /// <summary>The allowlist entry that lets a sandbox reach the mirror through the egress proxy: <c>127.0.0.1:port</c>.</summary>
    public string AllowEntry => $"{BaseAddress.Host}:{BaseAddress.Port}";

    /// <summary>How often each archive (by file name) was downloaded.</summary>
    public IReadOnlyDictionary<string, int> Downloads => _downloads;

    public static async Task<PackageMirror> StartAsync(CancellationToken cancellationToken)
    {
        var mirror = new PackageMirror();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/npm/{name}", (string name) => mirror.Packument(name));
        app.MapGet("/npm/{name}/-/{file}", (string name, string file) => mirror.Download(mirror._npm.Values.FirstOrDefault(p => p.Name == name && p.FileName == file)?.Archive, file));
        app.MapGet("/pypi/simple/{project}/", (string project) => mirror.ProjectPage(project));
        app.MapGet("/pypi/packages/{file}", (string file) => mirror.Download(mirror._pip.Values.FirstOrDefault(p => p.FileName == file)?.Archive, file));
        await app.StartAsync(cancellationToken);
        mirror._app = app;
        mirror.BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return mirror;
    }

    /// <summary>Publishes an npm package whose tarball holds <c>package.json</c> and <paramref name="files"/>.</summary>
    public void AddNpmPackage(string name, string version, IReadOnlyDictionary<string, string> files)
    {
        var manifest = new JsonObject { ["name"] = name, ["version"] = version, ["main"] = "index.js" }.ToJsonString();
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar))
        {
            foreach (var (path, content) in files.Prepend(KeyValuePair.Create("package.json", manifest)))
            {
                var entry = new UstarTarEntry(TarEntryType.RegularFile, $"package/{path}")
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                };
                tar.WriteEntry(entry);
            }
        }

        _npm[$"{name}@{version}"] = new NpmPackage(name, version, $"{name}-{version}.tgz", buffer.ToArray());
    }

    /// <summary>Publishes a pure-Python wheel holding <paramref name="files"/> (such as <c>mod/__init__.py</c>).</summary>
    public void AddPipPackage(string name, string version, IReadOnlyDictionary<string, string> files)
    {
        var distribution = name.Replace('-', '_');
        var fileName = $"{distribution}-{version}-py3-none-any.whl";
        var distInfo = $"{distribution}-{version}.dist-info";
        var entries = new Dictionary<string, string>(files, StringComparer.Ordinal)
        {
            [$"{distInfo}/METADATA"] = $"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            [$"{distInfo}/WHEEL"] = "Wheel-Version: 1.0\nGenerator: agent-runtime-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        };
        var record = new StringBuilder();
        foreach (var (path, content) in entries)
        {
            var bytes = Encoding.UTF8.GetBytes(content);
            var digest = Convert.ToBase64String(SHA256.HashData(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            record.Append(path).Append(",sha256=").Append(digest).Append(',').Append(bytes.Length).Append('\n');
        }

        record.Append(distInfo).Append("/RECORD,,\n");
        entries[$"{distInfo}/RECORD"] = record.ToString();

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, content) in entries)
            {
                using var stream = zip.CreateEntry(path).Open();
                stream.Write(Encoding.UTF8.GetBytes(content));
            }
        }

        _pip[$"{name}=={version}"] = new PipPackage(Normalize(name), fileName, buffer.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private IResult Packument(string name)
    {
        var versions = _npm.Values.Where(p => p.Name == name).ToList();
        if (versions.Count == 0)
        {
            return Results.Json(new JsonObject { ["error"] = "Not found" }, statusCode: 404);
        }

        var document = new JsonObject
        {
            ["name"] = name,
            ["dist-tags"] = new JsonObject { ["latest"] = versions[^1].Version },
            ["versions"] = new JsonObject(versions.Select(p => KeyValuePair.Create(p.Version, (JsonNode?)new JsonObject
            {
                ["name"] = p.Name,
                ["version"] = p.Version,
                ["main"] = "index.js",
                ["dist"] = new JsonObject
                {
                    ["tarball"] = new Uri(BaseAddress, $"npm/{p.Name}/-/{p.FileName}").ToString(),
                    ["shasum"] = Convert.ToHexStringLower(SHA1.HashData(p.Archive)),
                    ["integrity"] = "sha512-" + Convert.ToBase64String(SHA512.HashData(p.Archive)),
                },
            }))),
        };
        return Results.Text(document.ToJsonString(), "application/json");
    }

    private IResult ProjectPage(string project)
    {
        var files = _pip.Values.Where(p => p.Project == Normalize(project)).ToList();
        if (files.Count == 0)
        {
            return Results.NotFound();
        }

        var links = string.Concat(files.Select(p => $"<a href=\"../../packages/{p.FileName}#sha256={Convert.ToHexStringLower(SHA256.HashData(p.Archive))}\">{p.FileName}</a>\n"));
        return Results.Text($"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n", "text/html");
    }

    private IResult Download(byte[]? archive, string file)
    {
        if (archive is null)
        {
            return Results.NotFound();
        }

        _downloads.AddOrUpdate(file, 1, (_, count) => count + 1);
        return Results.Bytes(archive, "application/octet-stream");
    }

    private static string Normalize(string name) => System.Text.RegularExpressions.Regex.Replace(name, "[-_.]+", "-").ToLowerInvariant();

    private sealed record NpmPackage(string Name, string Version, string FileName, byte[] Archive);

    private sealed record PipPackage(string Project, string FileName, byte[] Archive);
}
