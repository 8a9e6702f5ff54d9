using System.Text.Json.Nodes;
using AgentRuntime.Architectures.Acp.Materialization;
using AgentRuntime.Gateway;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Architectures.Gemini.Cli;

/// <summary>How the Gemini CLI is started in the sandbox (verified with 0.61.0).</summary>
internal static class GeminiProcessSpec
{
    /// <summary>The Gemini API the CLI would call by itself.</summary>
    public const string DefaultBaseUrl = "https://generativelanguage.googleapis.com";

    /// <summary>Where the CLI reads its user settings, under the home.</summary>
    public const string SettingsPath = ".gemini/settings.json";

    /// <summary>Where the CLI reads the user's context (its global <c>GEMINI.md</c>), added to its system instruction.</summary>
    public const string ContextPath = ".gemini/GEMINI.md";

    /// <summary><c>gemini --acp [--model m]</c>, a JavaScript entry point run with the sandbox's <c>node</c>.</summary>
    public static SandboxProcessSpec Build(GeminiCliOptions options, AgentConnectContext context)
    {
        var cli = options.CliPath ?? "gemini";
        var script = ResolveLinks(cli);
        var runWithNode = Path.GetExtension(script) is ".js" or ".mjs" or ".cjs";
        var arguments = new List<string>();
        if (runWithNode)
        {
            arguments.Add(script);
        }

        arguments.Add("--acp");
        if ((context.Profile.Model ?? options.Model) is { Length: > 0 } model)
        {
            arguments.AddRange(["--model", model]);
        }

        // The profile's variables first: the runtime's own below are set over them (the validator refuses most anyway).
        var environment = new Dictionary<string, string>(ProfileValues.Resolve(context.Profile.EnvironmentVariables, context.Secrets))
        {
            ["HOME"] = context.Sandbox.HomePath,
            // The sandbox is the trust boundary; without this the CLI runs an untrusted folder in a restricted mode.
            ["GEMINI_CLI_TRUST_WORKSPACE"] = "true",
            // Otherwise the CLI starts itself again in a child node (to raise its heap limit): twice the start-up time,
            // and a process tree for the sandbox's memory limit to count twice.
            ["GEMINI_CLI_NO_RELAUNCH"] = "true",
            // V8 reserves about 10 GB of address space per WebAssembly memory for its bounds-check guard pages, more
            // than the sandbox's address-space limit allows (the CLI's HTTP parser is WebAssembly); without the trap
            // handler it checks bounds explicitly and reserves only what it uses.
            ["NODE_OPTIONS"] = "--disable-wasm-trap-handler",
        };
        // The real key never enters the sandbox: the CLI talks to the runtime's model proxy with a token of this sandbox's.
        environment.AddModelAccess(context, new ModelUpstream(ModelApiKind.Gemini, new Uri(options.BaseUrl ?? DefaultBaseUrl), options.ApiKey ?? ""), "GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL");

        return new SandboxProcessSpec
        {
            Command = runWithNode ? "node" : cli,
            Arguments = arguments,
            Environment = environment,
            WorkingDirectory = context.Sandbox.WorkspacePath,
            ReadOnlyPaths = CommandInstallation.RootsOf(cli),
        };
    }

    /// <summary>
    /// The user settings: API-key authentication (the CLI asks for a method otherwise), no usage statistics, telemetry
    /// or update checks (the sandbox may have no way out, and they are not the session's business), and the profile's
    /// <c>tools</c> as <c>tools.core</c>, the built-in tools the CLI registers at all (MCP tools are not among them).
    /// The profile's MCP servers are not here but in <c>session/new</c>, which the CLI merges over these settings.
    /// </summary>
    public static string Settings(Profiles.AgentProfile profile)
    {
        var settings = new JsonObject
        {
            ["security"] = new JsonObject { ["auth"] = new JsonObject { ["selectedType"] = "gemini-api-key" } },
            ["privacy"] = new JsonObject { ["usageStatisticsEnabled"] = false },
            ["telemetry"] = new JsonObject { ["enabled"] = false },
            ["general"] = new JsonObject { ["enableAutoUpdate"] = false, ["enableAutoUpdateNotification"] = false },
        };
        if (profile.Tools is { } tools)
        {
            settings["tools"] = new JsonObject { ["core"] = new JsonArray([.. tools.Select(t => JsonValue.Create(t))]) };
        }

        return settings.ToJsonString();
    }

    private static string ResolveLinks(string path)
    {
        try
        {
            return Path.IsPathRooted(path) ? new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path : path;
        }
        catch (IOException)
        {
            return path;
        }
    }
}
