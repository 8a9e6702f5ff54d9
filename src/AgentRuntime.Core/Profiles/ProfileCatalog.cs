using System.Text.Json;
using AgentRuntime.Hosting;
using AgentRuntime.Persistence;
using AgentRuntime.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Profiles;

/// <summary>
/// Seeds the store's profiles at start-up: the shipped <c>default</c> profile (an embedded resource), then every
/// <c>*.json</c> file of <see cref="AgentRuntimeOptions.ProfilesDirectory"/>, which may replace it.
/// </summary>
internal sealed partial class ProfileCatalog(IAgentStore store, IOptions<AgentRuntimeOptions> options, ILogger<ProfileCatalog> logger)
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        await using (var stream = typeof(ProfileCatalog).Assembly.GetManifestResourceStream("AgentRuntime.Profiles.default.json")
            ?? throw new InvalidOperationException("The shipped default profile is missing from the assembly."))
        {
            var profile = await JsonSerializer.DeserializeAsync(stream, AgentRuntimeJsonContext.Default.AgentProfile, cancellationToken).ConfigureAwait(false);
            await store.SaveProfileAsync(profile!, cancellationToken).ConfigureAwait(false);
        }

        if (options.Value.ProfilesDirectory is not { Length: > 0 } directory)
        {
            return;
        }

        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"AgentRuntime:ProfilesDirectory '{Path.GetFullPath(directory)}' does not exist.");
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            AgentProfile profile;
            try
            {
                profile = ProfileValidator.Parse(await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false));
            }
            catch (ProfileValidationException ex)
            {
                throw new InvalidOperationException($"Profile file '{file}' is not a valid profile: {string.Join(" ", ex.Errors)}", ex);
            }

            await store.SaveProfileAsync(profile, cancellationToken).ConfigureAwait(false);
            LogProfileLoaded(profile.Id, file);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded profile {ProfileId} from {File}")]
    private partial void LogProfileLoaded(string profileId, string file);
}
