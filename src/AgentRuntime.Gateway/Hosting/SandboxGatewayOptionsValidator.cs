using Microsoft.Extensions.Options;

namespace AgentRuntime.Gateway.Hosting;

/// <summary>Checks what data annotations cannot: the price list, naming the configuration key at fault.</summary>
internal sealed class SandboxGatewayOptionsValidator : IValidateOptions<SandboxGatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, SandboxGatewayOptions options)
    {
        var failures = new List<string>();
        foreach (var (prefix, price) in options.Prices)
        {
            var key = $"{SandboxGatewayOptions.SectionName}:{nameof(SandboxGatewayOptions.Prices)}:{prefix}";
            if (string.IsNullOrWhiteSpace(prefix))
            {
                failures.Add($"{key}: a price needs a model-name prefix.");
            }

            if (price is null)
            {
                failures.Add($"{key} has no prices.");
                continue;
            }

            foreach (var (field, value) in new[]
            {
                (nameof(ModelPrice.Input), price.Input),
                (nameof(ModelPrice.Output), price.Output),
                (nameof(ModelPrice.CacheWrite), price.CacheWrite),
                (nameof(ModelPrice.CacheRead), price.CacheRead),
            })
            {
                if (value < 0)
                {
                    failures.Add($"{key}:{field} must not be negative; it is {value}.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
