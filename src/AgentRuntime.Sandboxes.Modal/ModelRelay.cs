using System.Buffers.Text;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace AgentRuntime.Sandboxes.Modal;

/// <summary>
/// A Modal sandbox's way to the runtime's model proxy. A local sandbox hands its loopback connections to its gateway
/// lease (<see cref="ISandboxBridge"/>); a Modal sandbox runs elsewhere and can only make HTTPS requests to the
/// runtime's public address. So each sandbox gets a path of its own, <c>/modal-relay/&lt;random key&gt;/</c>, as its
/// model base URL; a request there is passed, as HTTP, into a connection served by that sandbox's lease, where the
/// model proxy checks the sandbox's token, swaps in the real key and counts usage as for any sandbox. The key names the
/// lease and is never a credential by itself: without the token granted to that sandbox the proxy answers 401.
/// </summary>
internal sealed class ModelRelay
{
    /// <summary>The path every relay URL starts with.</summary>
    public const string PathPrefix = "/modal-relay/";

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Proxy-Authorization", "Proxy-Authenticate", "Host",
    };

    private readonly ConcurrentDictionary<string, Registration> _registrations = new(StringComparer.Ordinal);

    /// <summary>Registers a sandbox's bridge under a new random key; dispose the registration when the sandbox goes.</summary>
    public Registration Register(ISandboxBridge bridge, Uri publicUrl)
    {
        var key = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var registration = new Registration(this, key, new Uri(publicUrl.ToString().TrimEnd('/') + PathPrefix + key), bridge);
        _registrations[key] = registration;
        return registration;
    }

    /// <summary>Serves a request under <see cref="PathPrefix"/>: 404 for an unknown key, else the lease's answer.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value!;
        var rest = path[PathPrefix.Length..];
        var slash = rest.IndexOf('/');
        var key = slash < 0 ? rest : rest[..slash];
        if (!_registrations.TryGetValue(key, out var registration))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // The model proxy behind the relay bounds request bodies itself (AgentRuntime:Gateway:MaxRequestBodyBytes).
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = null;
        }

        var target = (slash < 0 ? "/" : rest[slash..]) + context.Request.QueryString.Value;
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri("http://model-proxy" + target));
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await registration.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(name))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            // Piece by piece as it arrives: the model's server-sent events must not be held back.
            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted).ConfigureAwait(false);
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One sandbox's relay: its URL, and an HTTP client whose connections are served by its lease.</summary>
    public sealed class Registration : IDisposable
    {
        private readonly ModelRelay _relay;
        private readonly string _key;
        private readonly CancellationTokenSource _closed = new();

        public Registration(ModelRelay relay, string key, Uri url, ISandboxBridge bridge)
        {
            _relay = relay;
            _key = key;
            Url = url;
            var handler = new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                ConnectCallback = (_, _) =>
                {
                    // An in-memory connection: one end for the HTTP client, the other served by the lease like a
                    // connection from inside a local sandbox.
                    var (client, server) = DuplexPipeStream.CreatePair();
                    _ = bridge.ServeModelAsync(server, _closed.Token);
                    return ValueTask.FromResult(client);
                },
            };
            Client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        }

        /// <summary>The model base URL the sandbox's agent gets.</summary>
        public Uri Url { get; }

        public HttpClient Client { get; }

        public void Dispose()
        {
            if (_relay._registrations.TryRemove(_key, out _))
            {
                _closed.Cancel();
                Client.Dispose();
                _closed.Dispose();
            }
        }
    }

    /// <summary>One end of an in-memory, full-duplex byte stream.</summary>
    private sealed class DuplexPipeStream(PipeReader input, PipeWriter output) : Stream
    {
        public static (Stream, Stream) CreatePair()
        {
            var there = new Pipe();
            var back = new Pipe();
            return (new DuplexPipeStream(back.Reader, there.Writer), new DuplexPipeStream(there.Reader, back.Writer));
        }

        private readonly Stream _input = input.AsStream();
        private readonly Stream _output = output.AsStream();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _input.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _input.ReadAsync(buffer, offset, count, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _output.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _output.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => _output.Write(buffer, offset, count);

        public override Task FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken);

        public override void Flush() => _output.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _input.Dispose();
                _output.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
