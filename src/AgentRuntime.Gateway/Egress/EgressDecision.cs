using System.Net;
using System.Net.Sockets;
using AgentRuntime.Sandboxes;

namespace AgentRuntime.Gateway.Egress;

/// <summary>Whether a sandbox may reach a host, and if so at which addresses: the ones checked are the ones connected to.</summary>
internal sealed record EgressDecision(IReadOnlyList<IPAddress> Addresses, string? Denial, string? Failure)
{
    public static async Task<EgressDecision> DecideAsync(
        SandboxGatewayLease lease, EgressHost host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        HostAllowlist.Entry? entry = null;
        switch (lease.Network.Mode)
        {
            case SandboxNetworkMode.Host:
                // The sandbox shares the host's network and could connect there itself; the proxy adds no rule.
                break;
            case SandboxNetworkMode.Allowlist:
                entry = lease.Allowlist.Match(host, port);
                if (entry is null)
                {
                    return Deny($"{host}:{port} is not in this sandbox's network allowlist");
                }

                break;
            default:
                return Deny($"{host}:{port} is not in this sandbox's network allowlist (its network is {lease.Network}: no host but the model)");
        }

        IPAddress[] addresses;
        if (host.Address is not null)
        {
            addresses = [host.Address];
        }
        else
        {
            try
            {
                using var resolving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                resolving.CancelAfter(timeout);
                addresses = await Dns.GetHostAddressesAsync(host.Name, resolving.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return new EgressDecision([], null, $"could not resolve {host}");
            }
        }

        if (lease.Network.Mode == SandboxNetworkMode.Allowlist)
        {
            // This machine and its cloud's metadata service are reachable only when an entry says so in a way no DNS
            // answer can fake: the address itself, or localhost with a port. A name that merely resolves there (DNS
            // rebinding, an /etc/hosts line, localhost without a port) is refused.
            var restricted = addresses.Where(HostAllowlist.IsRestricted).ToList();
            var explicitLocal = host.Address is not null
                || (host.Name == "localhost" && entry is { Name: "localhost", Address: null, Wildcard: false, Port: not null });
            if (restricted.Count > 0 && !explicitLocal)
            {
                return Deny($"{host} resolves to {restricted[0]}, a loopback, link-local or unspecified address; " +
                    "only an allowlist entry of that IP address, or localhost with a port, allows that");
            }

            if (host.Name == "localhost")
            {
                addresses = [.. addresses.Where(IPAddress.IsLoopback)];
            }
        }

        return addresses.Length == 0
            ? new EgressDecision([], null, $"could not resolve {host}")
            : new EgressDecision(addresses, null, null);
    }

    private static EgressDecision Deny(string reason) => new([], reason, null);
}
