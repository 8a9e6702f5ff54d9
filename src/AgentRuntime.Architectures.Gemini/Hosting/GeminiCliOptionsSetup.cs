using AgentRuntime.Architectures;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Architectures.Gemini.Hosting;

/// <summary>
/// Fills what configuration left out from the server's environment (the variables the CLI itself would read) and
/// discovers the CLI, then checks what a user can get wrong, naming the configuration key.
/// </summary>
internal sealed class GeminiCliOptionsSetup : IPostConfigureOptions<GeminiCliOptions>, IValidateOptions<GeminiCliOptions>
{
    /// <summary>Finds the pinned <c>gemini</c> CLI when no path is configured.</summary>
    public static readonly AgentCliLocator CliLocator = new("gemini");

    public void PostConfigure(string? name, GeminiCliOptions options)
    {
        options.ApiKey = NullIfEmpty(options.ApiKey) ?? NullIfEmpty(Environment.GetEnvironmentVariable("GEMINI_API_KEY"));
        options.BaseUrl = NullIfEmpty(options.BaseUrl) ?? NullIfEmpty(Environment.GetEnvironmentVariable("GOOGLE_GEMINI_BASE_URL"));
        options.Model = NullIfEmpty(options.Model);
        options.CliPath = NullIfEmpty(options.CliPath)
            ?? CliLocator.Find([AppContext.BaseDirectory, Environment.CurrentDirectory], Environment.GetEnvironmentVariable("PATH"));
    }

    public ValidateOptionsResult Validate(string? name, GeminiCliOptions options)
    {
        if (options.BaseUrl is { } url
            && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            return ValidateOptionsResult.Fail($"{GeminiCliOptions.SectionName}:{nameof(GeminiCliOptions.BaseUrl)} must be an absolute http or https URL; '{url}' is not.");
        }

        return ValidateOptionsResult.Success;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
