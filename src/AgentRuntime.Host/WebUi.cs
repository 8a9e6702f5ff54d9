using AgentRuntime.Hosting;
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
        // The UI routes on the client: a GET of any path that no endpoint serves, that is not the runtime's (the API, the
        // hub, the OpenAPI document and its reference page) and is not a file (no dot in the last segment, so /assets/*.js reach the static files) gets the app. A
        // middleware rather than a fallback route: a catch-all route would make routing answer 405 to a POST of any
        // unknown API path, where the API's own 404 belongs.
        var index = files.GetFileInfo("index.html");
        app.Use((context, next) =>
        {
            var request = context.Request;
            var isPage = context.GetEndpoint() is null
                && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
                && !AgentRuntimePaths.IsRuntimePath(request.Path)
                && !Path.GetFileName(request.Path.Value ?? "").Contains('.', StringComparison.Ordinal);
            if (!isPage)
            {
                return next(context);
            }

            context.Response.ContentType = "text/html; charset=utf-8";
            return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : context.Response.SendFileAsync(index, context.RequestAborted);
        });
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
