using AgentRuntime.Hosting;
using ClusterOptions = AgentRuntime.Hosting.ClusterOptions;

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
        var store = builder.Configuration["AgentRuntime:Store"];
        UseConfiguredStore(runtime, store);
        UseConfiguredCluster(runtime, builder.Configuration, store);
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

    private static void UseConfiguredCluster(IAgentRuntimeBuilder runtime, IConfiguration configuration, string? store)
    {
        // Read here, at build time, because the silo's clustering is a matter of which services exist; the options bound
        // from the same key are checked against it at start.
        var mode = configuration.GetSection($"{AgentRuntimeOptions.SectionName}:Cluster").Get<ClusterOptions>()?.Mode ?? ClusterMode.Embedded;
        switch (mode)
        {
            case ClusterMode.Embedded:
                break;
            case ClusterMode.Postgres:
                Cluster.PostgresSessionCluster.Use(runtime, store);
                break;
            default:
                throw new InvalidOperationException($"AgentRuntime:Cluster:Mode '{mode}' is not a cluster mode this server has; use embedded or postgres.");
        }
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
