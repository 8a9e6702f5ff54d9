using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentRuntime.Gateway.Egress;

/// <summary>
/// A proxy request head as a sandbox sent it: <c>CONNECT host:port HTTP/1.1</c>, or an absolute-form request
/// (<c>GET http://host[:port]/path HTTP/1.1</c>). Parsed strictly and by hand, never by <see cref="Uri"/>, so the host
/// checked against the allowlist is exactly the one connected to, with no lenient reading between the two.
/// </summary>
internal sealed record EgressRequestHead(
    string Method, EgressHost Host, string HostText, int Port, string PathAndQuery, string Version, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public bool IsConnect => Method == "CONNECT";

    /// <summary>Parses a head that ends in its blank line; returns null and says why when it is not one this proxy takes.</summary>
    public static EgressRequestHead? TryParse(ReadOnlySpan<byte> head, out string error)
    {
        foreach (var b in head)
        {
            if (b is not ((>= 0x20 and <= 0x7e) or (byte)'\r' or (byte)'\n' or (byte)'\t'))
            {
                error = "the request head has a byte that is not printable ASCII";
                return null;
            }
        }

        var lines = Encoding.ASCII.GetString(head).Split("\r\n");
        if (lines.Length < 3 || lines[^1].Length != 0 || lines[^2].Length != 0 || lines.Any(l => l.Contains('\r') || l.Contains('\n')))
        {
            error = "the request head does not end in CRLF CRLF, or has a bare CR or LF";
            return null;
        }

        var parts = lines[0].Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || !parts[0].All(char.IsAsciiLetterUpper) || parts[2] is not ("HTTP/1.1" or "HTTP/1.0"))
        {
            error = "the request line is not 'METHOD target HTTP/1.x'";
            return null;
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.AsSpan(1, lines.Length - 3))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0 || !line.AsSpan(0, colon).ContainsOnlyTokenChars())
            {
                error = "a header line is not 'Name: value' (folded lines are refused)";
                return null;
            }

            headers.Add(new(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }

        var (method, target, version) = (parts[0], parts[1], parts[2]);
        string authority;
        var path = "";
        if (method == "CONNECT")
        {
            authority = target;
        }
        else if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = target["http://".Length..];
            var end = rest.IndexOfAny(['/', '?']);
            authority = end < 0 ? rest : rest[..end];
            path = end < 0 ? "/" : rest[end] == '?' ? "/" + rest[end..] : rest[end..];
        }
        else
        {
            error = "only CONNECT and absolute-form http:// requests go through this proxy";
            return null;
        }

        if (!TryParseAuthority(authority, requirePort: method == "CONNECT", out var host, out var hostText, out var port))
        {
            error = $"'{authority}' is not host:port";
            return null;
        }

        error = "";
        return new EgressRequestHead(method, host, hostText, port, path, version, headers);
    }

    private static bool TryParseAuthority(string authority, bool requirePort, out EgressHost host, out string hostText, out int port)
    {
        host = null!;
        hostText = "";
        port = 80;
        string portText;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0 || !IPAddress.TryParse(authority.AsSpan(1, close - 1), out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            hostText = authority[1..close];
            portText = authority[(close + 1)..];
            if (portText.Length > 0 && !portText.StartsWith(':'))
            {
                return false;
            }
        }
        else
        {
            var colon = authority.IndexOf(':');
            hostText = colon < 0 ? authority : authority[..colon];
            portText = colon < 0 ? "" : authority[colon..];

            // Letters, digits, '-', '_' and '.': a DNS name or an IPv4 address, nothing that could mean userinfo,
            // another host or an escape.
            if (hostText.Length is 0 or > 253 || !hostText.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
            {
                return false;
            }
        }

        if (portText.Length == 0)
        {
            if (requirePort)
            {
                return false;
            }
        }
        else if (!HostAllowlist.TryParsePort(portText[1..], out var parsed))
        {
            return false;
        }
        else
        {
            port = parsed!.Value;
        }

        host = EgressHost.Create(hostText);
        return true;
    }
}

file static class TokenChars
{
    // RFC 9110 tchar.
    public static bool ContainsOnlyTokenChars(this ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)))
            {
                return false;
            }
        }

        return !text.IsEmpty;
    }
}
