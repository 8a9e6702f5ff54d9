using Microsoft.Extensions.FileProviders;

namespace AgentRuntime.Host;

/// <summary>Serves the built web UI (<c>web/dist</c>) at <c>/</c>, with every non-API path falling back to its index.html.</summary>
internal static partial class WebUi
{
    public static void Map(WebApplication app, string? configuredRoot)
    {
        var root = Locate(configuredRoot);
        if (root is null)
        {
            LogNoWebUi(app.Logger, configuredRoot ?? "web/dist");
            return;
        }

        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        // The UI routes on the client: any path that is not the API, the hub or a file (nonfile: no dot in the last
        // segment, so /assets/*.js reach the static files) gets the app.
        app.MapFallbackToFile("{*path:nonfile:regex(^(?!api/|hubs/).*$)}", "index.html", new StaticFileOptions { FileProvider = files });
    }

    private static string? Locate(string? configuredRoot)
    {
        if (configuredRoot is { Length: > 0 })
        {
            var full = Path.GetFullPath(configuredRoot);
            return File.Exists(Path.Combine(full, "index.html"))
                ? full
                : throw new DirectoryNotFoundException($"AgentRuntime:WebRoot '{full}' has no index.html; build the web UI with scripts/build-web.sh.");
        }

        // Found upward from the app and from the working directory, as in a checkout of the repository.
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "web", "dist");
                if (File.Exists(Path.Combine(candidate, "index.html")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No web UI found at {WebRoot}; serving the API only. Build it with scripts/build-web.sh.")]
    private static partial void LogNoWebUi(ILogger logger, string webRoot);
}
