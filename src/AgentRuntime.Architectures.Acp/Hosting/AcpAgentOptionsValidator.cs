using Microsoft.Extensions.Options;

namespace AgentRuntime.Architectures.Acp.Hosting;

/// <summary>Checks what a user can get wrong in <c>AgentRuntime:Acp</c>, naming the configuration key.</summary>
internal sealed class AcpAgentOptionsValidator : IValidateOptions<AcpAgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AcpAgentOptions options)
    {
        foreach (var directory in options.TranscriptDirectories)
        {
            if (string.IsNullOrWhiteSpace(directory) || directory.StartsWith('/') || directory.Split('/', '\\').Contains(".."))
            {
                return ValidateOptionsResult.Fail(
                    $"{AcpAgentOptions.SectionName}:{nameof(AcpAgentOptions.TranscriptDirectories)} takes directories relative to the sandbox home without '..'; '{directory}' is not one.");
            }
        }

        return ValidateOptionsResult.Success;
    }
}
