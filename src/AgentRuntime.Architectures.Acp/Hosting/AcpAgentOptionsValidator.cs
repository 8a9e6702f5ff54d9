using Microsoft.Extensions.Options;

namespace AgentRuntime.Architectures.Acp.Hosting;

/// <summary>Checks what a user can get wrong in <c>AgentRuntime:Acp</c>, naming the configuration key.</summary>
internal sealed class AcpAgentOptionsValidator : IValidateOptions<AcpAgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AcpAgentOptions options)
    {
        foreach (var directory in options.TranscriptDirectories)
        {
            // The sandbox's file layer takes only plain relative paths: no empty, '.' or '..' segment, no trailing '/'.
            if (string.IsNullOrWhiteSpace(directory) || directory.StartsWith('/') || directory.Split('/').Any(s => s is "" or "." or ".."))
            {
                return ValidateOptionsResult.Fail(
                    $"{AcpAgentOptions.SectionName}:{nameof(AcpAgentOptions.TranscriptDirectories)} takes directories relative to the sandbox home without '..'; '{directory}' is not one.");
            }
        }

        if (options.Model is { } model)
        {
            var key = $"{AcpAgentOptions.SectionName}:{nameof(AcpAgentOptions.Model)}";
            if (!Uri.TryCreate(model.BaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                return ValidateOptionsResult.Fail($"{key}:{nameof(AcpModelOptions.BaseUrl)} must be an absolute http or https URL; '{model.BaseUrl}' is not.");
            }

            foreach (var (field, value) in new[] { (nameof(AcpModelOptions.ApiKey), model.ApiKey), (nameof(AcpModelOptions.KeyVariable), model.KeyVariable), (nameof(AcpModelOptions.BaseUrlVariable), model.BaseUrlVariable) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    return ValidateOptionsResult.Fail($"{key}:{field} is required when {key} is set.");
                }
            }
        }

        return ValidateOptionsResult.Success;
    }
}
