using System.Security.Cryptography;
using System.Text;

namespace AgentRuntime.Sandboxes.Modal;

/// <summary>
/// The sandbox image: the registry base image with node, the agent CLIs pinned by this machine's
/// <c>package-lock.json</c> installed with <c>npm ci</c> at the same path as here, and the configured extra commands.
/// Its <see cref="Hash"/> names the definition, so an unchanged one is built once.
/// </summary>
internal sealed record ModalImage(IReadOnlyList<string> DockerfileCommands, string AgentsDirectory)
{
    public string Hash { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', DockerfileCommands))));

    /// <summary>The command that installs the agent CLIs; a Modal-compatible server recognises the installed directory by it.</summary>
    public static string InstallCommand(string agentsDirectory) => $"RUN cd {agentsDirectory} && npm ci --omit=dev --no-audit --no-fund";

    public static ModalImage Define(ModalSandboxOptions options)
    {
        var agents = options.AgentsDirectory is { Length: > 0 } configured ? Path.GetFullPath(configured) : FindAgentsDirectory()
            ?? throw new SandboxException("The agent CLIs' directory (agents/ with package-lock.json) was not found; set AgentRuntime:Modal:AgentsDirectory.");
        var package = Path.Combine(agents, "package.json");
        var lockFile = Path.Combine(agents, "package-lock.json");
        if (!File.Exists(package) || !File.Exists(lockFile))
        {
            throw new SandboxException($"{agents} holds no package.json and package-lock.json to install the agent CLIs from.");
        }

        if (agents.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '-' or '_')))
        {
            throw new SandboxException($"The agents directory '{agents}' must be a plain path (letters, digits, '/', '.', '-', '_') to be used in image commands.");
        }

        List<string> commands =
        [
            $"FROM {options.BaseImage}",
            $"RUN mkdir -p {agents} {ModalSandbox.Workspace} {ModalSandbox.Home}",
            $"RUN echo {Convert.ToBase64String(File.ReadAllBytes(package))} | base64 -d > {agents}/package.json",
            $"RUN echo {Convert.ToBase64String(File.ReadAllBytes(lockFile))} | base64 -d > {agents}/package-lock.json",
            InstallCommand(agents),
            .. options.ImageCommands,
        ];
        return new ModalImage(commands, agents);
    }

    private static string? FindAgentsDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "agents");
            if (File.Exists(Path.Combine(candidate, "package-lock.json")))
            {
                return candidate;
            }
        }

        return null;
    }
}
