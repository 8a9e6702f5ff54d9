// The Program.cs of a fresh `dotnet new web` app that embeds the agent runtime from its packages, as the runtime's
// README tells an integrator to: the runtime's services, its middleware, its endpoints. Everything else is settings.
using AgentRuntime.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddAgentRuntime()
    .UseSqlite()
    .AddLocalSandbox()
    .AddClaudeCode();

var app = builder.Build();
app.UseAgentRuntime();
app.MapAgentRuntime();
app.MapGet("/", () => "Hello World!");

app.Run();
