using System.Buffers.Text;
using System.Text.Json;
using AgentRuntime.Sandboxes.Modal.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace AgentRuntime.Sandboxes.Modal;

/// <summary>
/// Modal's control plane as the provider calls it: one gRPC channel, the metadata the official SDKs send (token,
/// client type and version, the short-lived auth token from <c>AuthTokenGet</c>), retries of idempotent calls on
/// transient errors, and gRPC errors turned into <see cref="SandboxException"/>s that say what to do.
/// </summary>
internal sealed partial class ModalApi : IDisposable
{
    /// <summary>What the SDKs send as <c>x-modal-client-type</c>: <c>CLIENT_TYPE_LIBMODAL</c>, the non-Python SDKs' type.</summary>
    public const string ClientType = "7";

    /// <summary>The Python SDK version whose behaviour the client follows, as the JS and Go SDKs send it.</summary>
    public const string ClientVersion = "1.0.0";

    private static readonly TimeSpan AuthTokenRefreshWindow = TimeSpan.FromMinutes(5);

    private readonly ModalSandboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GrpcChannel _channel;
    private readonly SemaphoreSlim _authLock = new(1, 1);
    private (string Token, DateTimeOffset Expires)? _authToken;

    public ModalApi(ModalSandboxOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _channel = CreateChannel(options.ServerUrl);
        Control = new ModalClient.ModalClientClient(_channel);
        Retry = CreateRetryPipeline(options, logger);
    }

    public ModalClient.ModalClientClient Control { get; }

    /// <summary>Retries transient failures (unavailable, deadline exceeded) with exponential backoff and jitter.</summary>
    public ResiliencePipeline Retry { get; }

    /// <summary>Whether plain-text HTTP/2 is in use, which only a Modal-compatible server on loopback should serve.</summary>
    public bool Cleartext => _options.ServerUrl.Scheme == Uri.UriSchemeHttp;

    public static GrpcChannel CreateChannel(Uri address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        MaxReceiveMessageSize = 100 * 1024 * 1024,
        MaxSendMessageSize = 100 * 1024 * 1024,
        HttpHandler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        },
    });

    /// <summary>The metadata of a control-plane call: credentials, client type and version, and the auth token.</summary>
    public async Task<Metadata> HeadersAsync(CancellationToken cancellationToken)
    {
        var headers = CredentialHeaders();
        headers.Add("x-modal-auth-token", await GetAuthTokenAsync(cancellationToken).ConfigureAwait(false));
        return headers;
    }

    /// <summary>Calls an idempotent RPC, retrying transient failures; a failure becomes a <see cref="SandboxException"/>.</summary>
    public async Task<T> CallAsync<T>(string rpc, Func<Metadata, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await Retry.ExecuteAsync(
                async token => await call(await HeadersAsync(token).ConfigureAwait(false), token).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw ModalErrors.From(ex, rpc);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }
    }

    /// <summary>Calls an RPC once: for those that a retry could repeat (SandboxCreate, TaskExecStart).</summary>
    public async Task<T> CallOnceAsync<T>(string rpc, Func<Metadata, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(await HeadersAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw ModalErrors.From(ex, rpc);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }
    }

    public void Dispose()
    {
        _channel.Dispose();
        _authLock.Dispose();
    }

    private Metadata CredentialHeaders()
    {
        var id = _options.EffectiveTokenId;
        var secret = _options.EffectiveTokenSecret;
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
        {
            throw new SandboxException(
                "No Modal token is configured: set AgentRuntime:Modal:TokenId and AgentRuntime:Modal:TokenSecret (or MODAL_TOKEN_ID and MODAL_TOKEN_SECRET).",
                code: ModalErrors.AuthCode);
        }

        return new Metadata
        {
            { "x-modal-client-type", ClientType },
            { "x-modal-client-version", ClientVersion },
            { "x-modal-libmodal-version", "agent-runtime-dotnet/1.0.0" },
            { "x-modal-token-id", id },
            { "x-modal-token-secret", secret },
        };
    }

    /// <summary>
    /// The short-lived token from <c>AuthTokenGet</c> (a JWT) that every other call carries, fetched once and again
    /// within five minutes of its expiry, as the SDKs' auth token manager does.
    /// </summary>
    private async Task<string> GetAuthTokenAsync(CancellationToken cancellationToken)
    {
        if (_authToken is { } cached && cached.Expires - _time.GetUtcNow() > AuthTokenRefreshWindow)
        {
            return cached.Token;
        }

        await _authLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_authToken is { } again && again.Expires - _time.GetUtcNow() > AuthTokenRefreshWindow)
            {
                return again.Token;
            }

            var response = await Control.AuthTokenGetAsync(new AuthTokenGetRequest(), CredentialHeaders(), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrEmpty(response.Token))
            {
                throw new SandboxException("Modal returned no auth token.", code: ModalErrors.AuthCode);
            }

            // A token without an expiry is used for 20 minutes, as the SDKs do.
            var expires = JwtExpiry(response.Token) ?? _time.GetUtcNow().AddMinutes(20);
            _authToken = (response.Token, expires);
            return response.Token;
        }
        finally
        {
            _authLock.Release();
        }
    }

    /// <summary>The <c>exp</c> claim of a JWT, or null when it has none or is not a JWT.</summary>
    public static DateTimeOffset? JwtExpiry(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
            return payload.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static ResiliencePipeline CreateRetryPipeline(ModalSandboxOptions options, ILogger logger)
    {
        if (options.MaxRetries == 0)
        {
            return ResiliencePipeline.Empty;
        }

        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(ModalErrors.IsTransient),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryDelay,
                MaxDelay = TimeSpan.FromSeconds(10),
                OnRetry = args =>
                {
                    LogRetry(logger, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message);
                    return default;
                },
            })
            .Build();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Modal call failed transiently; retry {Attempt} in {Delay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, TimeSpan delay, string? reason);
}
