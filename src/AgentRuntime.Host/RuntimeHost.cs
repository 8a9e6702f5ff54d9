using AgentRuntime.Hosting;

namespace AgentRuntime.Host;

/// <summary>
/// Builds the runnable server on its embedded defaults: SQLite under the data directory, local sandboxes, the Claude
/// Code architecture. Tests build it the same way, with their own settings layered on top.
/// </summary>
public static class RuntimeHost
{
    /// <summary>Builds the application; <paramref name="configure"/> may adjust the builder before it is built.</summary>
    public static WebApplication CreateApp(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddAgentRuntime()
            .UseSqlite()
            .AddLocalSandbox()
            .AddClaudeCode();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapAgentRuntime();
        return app;
    }
}
