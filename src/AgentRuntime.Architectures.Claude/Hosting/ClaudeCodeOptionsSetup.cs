using AgentRuntime.Architectures;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Architectures.Claude.Hosting;

/// <summary>
/// Fills what configuration left out from the server's environment (the variables the CLI itself would read) and
/// discovers the CLI, then checks what a user can get wrong, naming the configuration key.
/// </summary>
internal sealed class ClaudeCodeOptionsSetup : IPostConfigureOptions<ClaudeCodeOptions>, IValidateOptions<ClaudeCodeOptions>
{
    /// <summary>Finds the pinned <c>claude</c> CLI when no path is configured.</summary>
    public static readonly AgentCliLocator CliLocator = new("claude");

    public void PostConfigure(string? name, ClaudeCodeOptions options)
    {
        options.ApiKey = NullIfEmpty(options.ApiKey) ?? NullIfEmpty(Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY"));
        options.BaseUrl = NullIfEmpty(options.BaseUrl) ?? NullIfEmpty(Environment.GetEnvironmentVariable("ANTHROPIC_BASE_URL"));
        options.Model = NullIfEmpty(options.Model);
        options.CliPath = NullIfEmpty(options.CliPath)
            ?? CliLocator.Find([AppContext.BaseDirectory, Environment.CurrentDirectory], Environment.GetEnvironmentVariable("PATH"));
    }

    public ValidateOptionsResult Validate(string? name, ClaudeCodeOptions options)
    {
        if (options.BaseUrl is { } url
            && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            return ValidateOptionsResult.Fail($"{ClaudeCodeOptions.SectionName}:{nameof(ClaudeCodeOptions.BaseUrl)} must be an absolute http or https URL; '{url}' is not.");
        }

        return ValidateOptionsResult.Success;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
