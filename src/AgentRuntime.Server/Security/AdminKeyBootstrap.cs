using AgentRuntime.Hosting;
using AgentRuntime.Persistence;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Security;

/// <summary>
/// In <c>apikey</c> mode, makes sure someone can get in: on a start with no key in the store, creates an admin key of
/// the default tenant and writes it to <c>&lt;data&gt;/admin.key</c> (0600). Once the server listens, it says where the
/// key is, with a link that opens the web UI signed in (the key in the URL's fragment, which browsers never send).
/// </summary>
internal sealed partial class AdminKeyBootstrap(
    IOptions<AuthOptions> auth,
    IOptions<AgentRuntimeOptions> runtime,
    IAgentStore store,
    ApiKeys keys,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<AdminKeyBootstrap> logger) : IHostedService
{
    public const string FileName = "admin.key";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (auth.Value.Mode != AuthMode.ApiKey)
        {
            return;
        }

        var path = Path.Combine(runtime.Value.GetFullDataDirectory(), FileName);
        if ((await store.ListApiKeysAsync(tenantId: null, cancellationToken).ConfigureAwait(false)).Count == 0)
        {
            var key = await keys.CreateAsync(Tenants.Default, ApiScopes.All, "admin (made at first start)", cancellationToken).ConfigureAwait(false);
            WritePrivately(path, key.Key + "\n");
            LogCreated(path, key.KeyId);
        }

        lifetime.ApplicationStarted.Register(() => AnnounceLink(path));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void AnnounceLink(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        var key = File.ReadAllText(path).Trim();
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5000";
        // A wildcard address is not one a browser can open.
        address = address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).Replace("://[::]", "://localhost", StringComparison.Ordinal);
        LogLink(path, $"{address.TrimEnd('/')}/#key={key}");
    }

    // Created under a temporary name with mode 0600 from the start, then renamed over the old file: never readable by
    // others, never half-written.
    private static void WritePrivately(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temporary, options))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(content);
        }

        File.Move(temporary, path, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No API key existed, so an admin key {KeyId} was made and written to {Path} (readable by this user only). Make keys for your users with POST /api/keys.")]
    private partial void LogCreated(string path, string keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin key: {Path}. Open the web UI signed in: {Link}")]
    private partial void LogLink(string path, string link);
}
