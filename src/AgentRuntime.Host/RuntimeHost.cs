using AgentRuntime.Hosting;

namespace AgentRuntime.Host;

/// <summary>
/// Builds the runnable server on its embedded defaults — SQLite under the data directory, local bubblewrap sandboxes
/// (and Modal sandboxes for profiles that choose them),
/// the Claude Code, Gemini CLI and generic ACP architectures, the web UI at <c>/</c> — with the store chosen by
/// <c>AgentRuntime:Store</c>. Tests build it the same way, with their own settings layered on top.
/// </summary>
public static class RuntimeHost
{
    /// <summary>Builds the application; <paramref name="configure"/> may adjust the builder before it is built.</summary>
    public static WebApplication CreateApp(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Reloading appsettings on change watches the content root, and the data directory (.data) lies under it by
        // default: every store write woke the watcher, about an eighth of the CPU of a server streaming events. The
        // runtime reads its settings at start, so the watch buys nothing; a later argument turns it back on.
        var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
        configure?.Invoke(builder);
        Telemetry.AddOtlpExport(builder);

        var runtime = builder.Services.AddAgentRuntime();
        UseConfiguredStore(runtime, builder.Configuration["AgentRuntime:Store"]);
        runtime.AddLocalSandbox()
            .AddModalSandbox()
            .AddClaudeCode()
            .AddGeminiCli()
            .AddAcpAgent();

        var app = builder.Build();
        app.UseAgentRuntime();
        app.MapAgentRuntime();
        WebUi.Map(app, builder.Configuration["AgentRuntime:WebRoot"]);
        return app;
    }

    private static void UseConfiguredStore(IAgentRuntimeBuilder runtime, string? store)
    {
        switch (store?.ToLowerInvariant())
        {
            case null or "" or "sqlite":
                runtime.UseSqlite();
                break;
            case "postgres" or "postgresql":
                runtime.UsePostgres();
                break;
            case "memory":
                // The core's in-memory store: nothing survives a restart. For trying things out and tests.
                break;
            default:
                throw new InvalidOperationException($"AgentRuntime:Store '{store}' is not a store this server has; use sqlite, postgres or memory.");
        }
    }
}
