using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace AgentRuntime.Gateway.Model;

/// <summary>
/// The line a model connection starts with on the proxy's socket, <c>AGENT-RUNTIME-LEASE &lt;lease id&gt;\n</c>, written
/// by <see cref="SandboxGatewayLease.ServeModelAsync"/> ahead of the sandbox's bytes. Kestrel reads it in a connection
/// middleware, before any HTTP, and binds the connection to that lease: every request on it is the sandbox's, and only
/// that lease's tokens count there.
/// </summary>
internal static class LeasePreamble
{
    private static readonly byte[] Prefix = "AGENT-RUNTIME-LEASE "u8.ToArray();

    // A lease id is 32 hex digits; anything much longer is not a preamble.
    private const int MaxLength = 128;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static byte[] Create(string leaseId) => Encoding.ASCII.GetBytes($"AGENT-RUNTIME-LEASE {leaseId}\n");

    /// <summary>
    /// Reads and strips the preamble, then serves HTTP on the rest of the connection with the lease in its features;
    /// closes a connection whose preamble is missing, malformed or names no open lease.
    /// </summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(SandboxGateway gateway) => next => async connection =>
    {
        string? leaseId;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            timeout.CancelAfter(Timeout);
            try
            {
                leaseId = await ReadAsync(connection.Transport.Input, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                leaseId = null;
            }
        }

        if (leaseId is null || !gateway.TryGetLease(leaseId, out var lease))
        {
            gateway.LogRefusedConnection(connection.ConnectionId);
            return;
        }

        connection.Features.Set(new ModelConnectionFeature(lease));
        using (lease.Track(connection))
        {
            await next(connection);
        }
    };

    /// <summary>Returns the lease id and leaves the input just past the preamble, or returns null.</summary>
    internal static async Task<string?> ReadAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var line = buffer.PositionOf((byte)'\n');
            if (line is { } end)
            {
                var leaseId = Parse(buffer.Slice(0, end));
                input.AdvanceTo(buffer.GetPosition(1, end));
                return leaseId;
            }

            if (buffer.Length > MaxLength || result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                return null;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static string? Parse(ReadOnlySequence<byte> line)
    {
        if (line.Length > MaxLength)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[(int)line.Length];
        line.CopyTo(bytes);
        if (!bytes.StartsWith(Prefix))
        {
            return null;
        }

        var id = bytes[Prefix.Length..];
        foreach (var b in id)
        {
            if (!char.IsAsciiHexDigitLower((char)b))
            {
                return null;
            }
        }

        return id.IsEmpty ? null : Encoding.ASCII.GetString(id);
    }
}

/// <summary>The lease a model proxy connection belongs to, as its preamble named it.</summary>
internal sealed record ModelConnectionFeature(SandboxGatewayLease Lease);
