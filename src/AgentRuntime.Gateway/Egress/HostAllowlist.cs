using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AgentRuntime.Gateway.Egress;

/// <summary>
/// A sandbox's allowlist, parsed once: <c>name</c> allows any port, <c>name:port</c> that port only, <c>*.name</c> any
/// subdomain of name but not name itself; an IP address is matched only by an entry of that address. Case-insensitive.
/// </summary>
internal sealed class HostAllowlist
{
    private readonly Entry[] _entries;

    private HostAllowlist(Entry[] entries) => _entries = entries;

    public static HostAllowlist Parse(IEnumerable<string> entries) =>
        new([.. entries.Select(TryParseEntry).OfType<Entry>()]);

    /// <summary>
    /// The entry that allows <paramref name="host"/> on <paramref name="port"/>, or null. The most specific wins (the
    /// exact name with that port, then the exact name, then a wildcard), since only the first may allow a loopback address.
    /// </summary>
    public Entry? Match(EgressHost host, int port)
    {
        Entry? best = null;
        foreach (var entry in _entries)
        {
            if (entry.Port is int only && only != port)
            {
                continue;
            }

            var matches = host.Address is not null
                ? host.Address.Equals(entry.Address)
                : entry.Address is null && (entry.Wildcard
                    ? host.Name.EndsWith("." + entry.Name, StringComparison.Ordinal)
                    : host.Name == entry.Name);
            if (matches && (best is null || Rank(entry) > Rank(best)))
            {
                best = entry;
            }
        }

        return best;
    }

    /// <summary>
    /// Whether connecting to <paramref name="address"/> would reach this machine or its cloud's metadata service
    /// (loopback, link-local, unspecified, <c>0.0.0.0/8</c>), also when wrapped as an IPv4-mapped or NAT64 IPv6 address.
    /// </summary>
    public static bool IsRestricted(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 0 || (b[0] == 169 && b[1] == 254);
        }

        if (address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal)
        {
            return true;
        }

        // 64:ff9b::/96 (NAT64) embeds an IPv4 address in its last four bytes.
        var v6 = address.GetAddressBytes();
        if (v6[0] == 0 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b && v6.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsRestricted(new IPAddress(v6.AsSpan(12, 4)));
        }

        return false;
    }

    private static int Rank(Entry entry) => entry.Wildcard ? 0 : entry.Port is null ? 1 : 2;

    private static Entry? TryParseEntry(string text)
    {
        var value = text.Trim().ToLowerInvariant();
        int? port = null;
        string host;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']');
            if (close < 0)
            {
                return null;
            }

            host = value[1..close];
            var rest = value[(close + 1)..];
            if (rest.Length > 0 && !(rest.StartsWith(':') && TryParsePort(rest[1..], out port)))
            {
                return null;
            }
        }
        else if (value.Count(c => c == ':') == 1)
        {
            var colon = value.IndexOf(':');
            host = value[..colon];
            if (!TryParsePort(value[(colon + 1)..], out port))
            {
                return null;
            }
        }
        else
        {
            // No colon, or a bare IPv6 address (several).
            host = value;
        }

        var wildcard = host.StartsWith("*.", StringComparison.Ordinal);
        var name = EgressHost.Normalize(wildcard ? host[2..] : host);
        if (name.Length == 0)
        {
            return null;
        }

        var address = !wildcard && IPAddress.TryParse(name, out var parsed) ? parsed : null;
        return new Entry(address is null ? name : address.ToString(), address, wildcard, port);
    }

    internal static bool TryParsePort(string text, out int? port)
    {
        port = null;
        if (text.Length is 0 or > 5 || !text.All(char.IsAsciiDigit))
        {
            return false;
        }

        var value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        if (value is < 1 or > 65535)
        {
            return false;
        }

        port = value;
        return true;
    }

    /// <summary>One allowlist entry: a name (or, with <see cref="Wildcard"/>, a domain), or an address; any port or one.</summary>
    internal sealed record Entry(string Name, IPAddress? Address, bool Wildcard, int? Port);
}

/// <summary>A host a sandbox asked the egress proxy for: a lower-case name without a final dot, or an IP address.</summary>
internal sealed record EgressHost(string Name, IPAddress? Address)
{
    public static EgressHost Create(string host)
    {
        var name = Normalize(host);

        // IPAddress.TryParse also reads "127.1" and "2130706433"; taking them as the address they are, matched only by
        // an entry of that address, leaves no other spelling of an address to slip past the allowlist.
        return IPAddress.TryParse(name, out var address) ? new EgressHost(address.ToString(), address) : new EgressHost(name, null);
    }

    public static string Normalize(string host) => host.Trim().TrimEnd('.').ToLowerInvariant();

    public override string ToString() => Address?.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{Name}]" : Name;
}
