using System.Net;
using Microsoft.Extensions.Configuration;

namespace AgentRuntime.Security;

/// <summary>Where the server will listen, read from configuration the way Kestrel reads it, and whether that is loopback only.</summary>
internal static class ServerAddresses
{
    /// <summary>The hosts a loopback-only server answers to, for host filtering (a foreign Host header is DNS rebinding).</summary>
    public static readonly IReadOnlyList<string> LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>
    /// The configured URLs: <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>), <c>Kestrel:Endpoints:*:Url</c>, and any
    /// address for <c>http_ports</c>/<c>https_ports</c>; Kestrel's default <c>http://localhost:5000</c> when none is set.
    /// </summary>
    public static IReadOnlyList<string> Configured(IConfiguration configuration)
    {
        var urls = new List<string>();
        urls.AddRange(Split(configuration["urls"]));
        urls.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        foreach (var ports in new[] { "http_ports", "https_ports" })
        {
            urls.AddRange(Split(configuration[ports]).Select(port => $"http://*:{port}"));
        }

        return urls.Count > 0 ? urls : ["http://localhost:5000"];
    }

    /// <summary>Whether every URL binds a loopback address (<c>localhost</c>, 127.0.0.0/8, <c>::1</c>).</summary>
    public static bool AreLoopbackOnly(IEnumerable<string> urls) => urls.All(IsLoopback);

    private static bool IsLoopback(string url)
    {
        // Kestrel takes "*" and "+" for any address, which Uri does not parse as hosts.
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var authority = schemeEnd < 0 ? url : url[(schemeEnd + 3)..];
        authority = authority.Split('/', 2)[0];
        var host = authority.StartsWith('[') ? authority[..(authority.IndexOf(']') + 1)] : authority.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    private static IEnumerable<string> Split(string? value) =>
        (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
