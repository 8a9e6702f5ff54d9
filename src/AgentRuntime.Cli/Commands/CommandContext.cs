using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentRuntime.Client;

namespace AgentRuntime.Cli.Commands;

/// <summary>The global options every command takes, and what a command needs from them.</summary>
internal sealed class GlobalOptions
{
    /// <summary>The server's address when neither <c>--url</c> nor <c>AGENT_RUNTIME_URL</c> gives one: the host's default.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public GlobalOptions(CliHost host)
    {
        Url = new Option<string>("--url")
        {
            Description = "The server's address [env: AGENT_RUNTIME_URL]",
            Recursive = true,
            DefaultValueFactory = _ => host.GetEnvironmentVariable("AGENT_RUNTIME_URL") is { Length: > 0 } url ? url : DefaultUrl,
        };
        ApiKey = new Option<string?>("--api-key")
        {
            Description = "The API key, sent as a bearer token [env: AGENT_RUNTIME_API_KEY]",
            Recursive = true,
            DefaultValueFactory = _ => host.GetEnvironmentVariable("AGENT_RUNTIME_API_KEY") is { Length: > 0 } key ? key : null,
        };
        Json = new Option<bool>("--json")
        {
            Description = "Print JSON for scripts: the server's objects, and the events of send and attach one per line",
            Recursive = true,
        };
    }

    public Option<string> Url { get; }

    public Option<string?> ApiKey { get; }

    public Option<bool> Json { get; }
}

/// <summary>What a command's action works with: the host, the global options' values, a client.</summary>
internal sealed class CommandContext(CliHost host, GlobalOptions options, ParseResult parse)
{
    public CliHost Host => host;

    public ParseResult Parse => parse;

    public bool Json => parse.GetValue(options.Json);

    public string Url => parse.GetValue(options.Url) ?? GlobalOptions.DefaultUrl;

    /// <summary>A client of the server the options name; the caller disposes it.</summary>
    /// <exception cref="CliUsageException">The address is not an absolute http or https URL.</exception>
    public AgentRuntimeClient CreateClient()
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new CliUsageException($"--url must be an http:// or https:// address, not '{Url}'.");
        }

        var clientOptions = new AgentRuntimeClientOptions { BaseAddress = address, ApiKey = parse.GetValue(options.ApiKey) };
        host.ConfigureClient?.Invoke(clientOptions);
        return new AgentRuntimeClient(clientOptions);
    }

    /// <summary>Prints <paramref name="value"/> as one line of JSON, in the server's own wire shape.</summary>
    public void WriteJson<T>(T value, JsonTypeInfo<T> typeInfo) => host.WriteRawLine(JsonSerializer.Serialize(value, typeInfo));
}

/// <summary>The command line was wrong in a way the parser could not tell; the message says how.</summary>
internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>The command cannot do what was asked, for a reason the message gives (exit code 1).</summary>
internal sealed class CliFailureException(string message) : Exception(message);
