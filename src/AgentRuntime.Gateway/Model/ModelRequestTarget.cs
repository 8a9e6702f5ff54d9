using Microsoft.AspNetCore.Http;

namespace AgentRuntime.Gateway.Model;

/// <summary>What a sandbox's model request says: its token, where it goes upstream, which API it speaks, its model.</summary>
internal static class ModelRequestTarget
{
    // Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are never forwarded either way.
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    };

    // Not forwarded from the sandbox besides those: where it carries its token; the host it believes it talks to (the
    // upstream's comes from the grant); Accept-Encoding, so the answer comes uncompressed and its usage readable;
    // Expect, which Kestrel has already answered; cookies, which the proxy does not keep.
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "x-api-key", "x-goog-api-key", "Authorization", "Host", "Accept-Encoding", "Expect", "Cookie",
    };

    /// <summary>
    /// Takes every place a client puts its API key out of the request (<c>x-api-key</c>, <c>x-goog-api-key</c>,
    /// <c>Authorization: Bearer</c>, the <c>key</c> query parameter) and returns what they held; <paramref name="query"/>
    /// is the query string without <c>key</c>.
    /// </summary>
    public static List<string> TakeTokens(HttpRequest request, out string query)
    {
        var tokens = new List<string>();
        foreach (var name in (string[])["x-api-key", "x-goog-api-key"])
        {
            foreach (var value in request.Headers[name])
            {
                if (!string.IsNullOrWhiteSpace(value))
                {
                    tokens.Add(value.Trim());
                }
            }
        }

        foreach (var value in request.Headers.Authorization)
        {
            if (value is not null && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                tokens.Add(value["Bearer ".Length..].Trim());
            }
        }

        // Split by hand rather than parsed and rebuilt, so the other parameters go upstream exactly as they came.
        var kept = new List<string>();
        foreach (var parameter in (request.QueryString.Value ?? "").TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = parameter.IndexOf('=');
            var name = Uri.UnescapeDataString(equals < 0 ? parameter : parameter[..equals]);
            if (name == "key")
            {
                if (equals >= 0)
                {
                    tokens.Add(Uri.UnescapeDataString(parameter[(equals + 1)..].Replace('+', ' ')).Trim());
                }
            }
            else
            {
                kept.Add(parameter);
            }
        }

        query = kept.Count == 0 ? "" : "?" + string.Join('&', kept);
        request.Headers.Remove("x-api-key");
        request.Headers.Remove("x-goog-api-key");
        request.Headers.Remove("Authorization");
        return tokens;
    }

    /// <summary>
    /// The upstream address: the grant's base URL, its path kept, with the request's path and query under it. Null when
    /// the result would not be under that base on that host, which Kestrel's path normalisation already rules out.
    /// </summary>
    public static Uri? Resolve(Uri baseUrl, PathString path, string query)
    {
        var basePath = baseUrl.AbsolutePath.TrimEnd('/');
        var text = baseUrl.GetLeftPart(UriPartial.Authority) + basePath + path.ToUriComponent() + query;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var target)
            || target.Scheme != baseUrl.Scheme
            || !string.Equals(target.IdnHost, baseUrl.IdnHost, StringComparison.OrdinalIgnoreCase)
            || target.Port != baseUrl.Port
            || !(target.AbsolutePath + "/").StartsWith(basePath + "/", StringComparison.Ordinal))
        {
            return null;
        }

        return target;
    }

    /// <summary>Which API a request without a valid token meant, so its refusal is in the format its client reads.</summary>
    public static ModelApiKind GuessKind(HttpRequest request, SandboxGatewayLease lease)
    {
        var kinds = lease.GrantedKinds.Take(2).ToList();
        if (kinds.Count == 1)
        {
            return kinds[0];
        }

        var path = request.Path.Value ?? "";
        return request.Headers.ContainsKey("x-goog-api-key")
            || request.Query.ContainsKey("key")
            || path.Contains("generateContent", StringComparison.OrdinalIgnoreCase)
            || path.StartsWith("/v1beta", StringComparison.OrdinalIgnoreCase)
            ? ModelApiKind.Gemini
            : ModelApiKind.Anthropic;
    }

    /// <summary>The model a Gemini path names (<c>/v1beta/models/gemini-2.5-pro:generateContent</c>).</summary>
    public static string? ModelFromPath(PathString path)
    {
        var value = path.Value ?? "";
        var start = value.IndexOf("/models/", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var name = value[(start + "/models/".Length)..];
        var end = name.IndexOfAny([':', '/']);
        name = end < 0 ? name : name[..end];
        return name.Length == 0 ? null : name;
    }

    public static void CopyRequestHeaders(IHeaderDictionary from, HttpRequestMessage to)
    {
        var connectionScoped = ConnectionScoped(from["Connection"]);
        foreach (var (name, values) in from)
        {
            if (HopByHop.Contains(name) || NotForwarded.Contains(name) || connectionScoped.Contains(name))
            {
                continue;
            }

            if (!to.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                to.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
    }

    public static void CopyResponseHeaders(HttpResponseMessage from, IHeaderDictionary to)
    {
        var connectionScoped = ConnectionScoped(from.Headers.TryGetValues("Connection", out var connection) ? [.. connection] : []);
        foreach (var (name, values) in from.Headers.Concat(from.Content.Headers))
        {
            if (!HopByHop.Contains(name) && !connectionScoped.Contains(name))
            {
                to[name] = values.ToArray();
            }
        }
    }

    // Headers a Connection header names are hop-by-hop too.
    private static HashSet<string> ConnectionScoped(IEnumerable<string?> connection) =>
        new(connection.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), StringComparer.OrdinalIgnoreCase);
}
