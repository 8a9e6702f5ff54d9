using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using AgentRuntime.Gateway.Usage;
using AgentRuntime.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Gateway.Model;

/// <summary>
/// Serves one model API request of a sandbox: checks its token against the connection's lease, refuses it when the
/// session's budget is spent, and otherwise forwards it to the grant's upstream with the real key, streaming the answer
/// back piece by piece while reading its usage.
/// </summary>
internal sealed partial class ModelProxyHandler(SandboxGateway gateway, ILogger<ModelProxyHandler> logger)
{
    private const int BufferSize = 16 * 1024;

    // The first bytes of a request body kept to find its model; the agents put "model" first.
    private const int BodyPrefixBytes = 4096;

    public async Task HandleAsync(HttpContext context)
    {
        if (context.Features.Get<ModelConnectionFeature>()?.Lease is not { } lease)
        {
            // Only a connection whose preamble named a lease gets here; anything else is a bug, not a request.
            context.Abort();
            return;
        }

        var request = context.Request;
        var tokens = ModelRequestTarget.TakeTokens(request, out var query);
        var token = tokens.FirstOrDefault(t => lease.TryGetGrant(t, out _));
        if (token is null || !lease.TryGetGrant(token, out var upstream))
        {
            if (tokens.Count == 0)
            {
                // Claude Code checks its base URL without a key (/api/hello) at every start: not worth a warning.
                LogNoToken(lease.SessionId, request.Path);
            }
            else
            {
                LogRefusedToken(lease.SessionId, SandboxGatewayLease.Redact(tokens[0]), request.Path);
            }

            var message = tokens.Count == 0
                ? "No API key: this sandbox's model proxy needs the token the runtime gave the agent."
                : "Invalid API key: the token is not valid for this sandbox, or its sandbox has ended.";
            await ModelErrors.WriteAsync(context, ModelRequestTarget.GuessKind(request, lease), StatusCodes.Status401Unauthorized, message);
            return;
        }

        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (rawTarget is null || !rawTarget.StartsWith('/')
            || ModelRequestTarget.Resolve(upstream.BaseUrl, request.Path, query) is not { } target)
        {
            // Absolute-form, authority-form and asterisk-form targets name a host; the grant alone names that.
            await ModelErrors.WriteAsync(context, upstream.Kind, StatusCodes.Status400BadRequest, "The request target must be a path.");
            return;
        }

        var budget = lease.Budget;
        var usage = lease.Usage;
        if (usage.Exhausts(budget))
        {
            var message = BudgetMessage(budget!, usage);
            LogBudgetExceeded(lease.SessionId, message);
            Notify(lease, o => o.OnBudgetExceeded(budget!, usage));
            await ModelErrors.WriteAsync(context, upstream.Kind, StatusCodes.Status403Forbidden, message);
            return;
        }

        await ForwardAsync(context, lease, upstream, target);
    }

    internal static string BudgetMessage(ModelBudget budget, ModelUsage usage)
    {
        var culture = CultureInfo.InvariantCulture;
        return usage.TotalTokens >= budget.MaxTokens
            ? string.Format(culture, "model budget exceeded: {0:N0} of {1:N0} tokens used", usage.TotalTokens, budget.MaxTokens)
            : string.Format(culture, "model budget exceeded: ${0:#,0.00##} of ${1:#,0.00##} used", usage.CostUsd, budget.MaxCostUsd);
    }

    private async Task ForwardAsync(HttpContext context, SandboxGatewayLease lease, ModelUpstream upstream, Uri target)
    {
        var request = context.Request;
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lease.Closed);
        call.CancelAfter(gateway.Options.UpstreamTimeout);
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        RequestBodyPrefix? body = null;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            body = new RequestBodyPrefix(request.Body, BodyPrefixBytes);
            message.Content = new StreamContent(body, BufferSize);
        }

        ModelRequestTarget.CopyRequestHeaders(request.Headers, message);
        message.Headers.TryAddWithoutValidation(upstream.Kind == ModelApiKind.Anthropic ? "x-api-key" : "x-goog-api-key", upstream.ApiKey);

        var tokens = new TokenUsage();
        var cost = 0m;
        var started = Stopwatch.GetTimestamp();
        using var activity = ModelProxyTelemetry.StartCall(lease, upstream.Kind, request.Method, request.Path);
        var (status, model, counted) = (0, (string?)null, false);
        lease.CallStarted();
        try
        {
            using var response = await SendAsync(context, lease, upstream, message, call.Token);
            if (response is null)
            {
                status = context.Response.StatusCode >= 400 ? context.Response.StatusCode : 0;
                return;
            }

            status = (int)response.StatusCode;
            var meter = await RelayAsync(context, lease, upstream, response, call);
            model = meter.Model ?? ModelRequestTarget.ModelFromPath(request.Path) ?? body?.FindModel();
            if (meter.HasUsage)
            {
                counted = true;
                tokens = meter.Tokens;
                cost = gateway.Prices.Cost(model, tokens);
                if (model is not null && gateway.Prices.IsNewlyUnpriced(model))
                {
                    LogUnpriced(model);
                }
            }

            LogCounted(lease.SessionId, request.Method, request.Path, (int)response.StatusCode, model ?? "(unknown model)",
                tokens.InputTokens, tokens.OutputTokens, tokens.CacheCreationInputTokens, tokens.CacheReadInputTokens, cost);
        }
        finally
        {
            lease.CallEnded(tokens, cost);
            gateway.Telemetry.Record(activity, upstream.Kind, request.Path, model, status, Stopwatch.GetElapsedTime(started), counted ? tokens : null, cost);
        }
    }

    /// <summary>Sends the call upstream; on failure answers the sandbox in the API's format and returns null.</summary>
    private async Task<HttpResponseMessage?> SendAsync(
        HttpContext context, SandboxGatewayLease lease, ModelUpstream upstream, HttpRequestMessage message, CancellationToken cancellationToken)
    {
        var where = message.RequestUri!.GetLeftPart(UriPartial.Path);
        try
        {
            return await gateway.Upstream.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (FindBadRequest(e) is { } bad)
        {
            // The sandbox's body broke a limit (too large) or its connection: Kestrel's status says which.
            await TryWriteErrorAsync(context, upstream.Kind, bad.StatusCode, bad.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || lease.IsClosed)
        {
            // The sandbox left or its lease closed: no one to answer.
        }
        catch (OperationCanceledException)
        {
            LogUpstreamFailed(lease.SessionId, where, "no answer in time");
            await TryWriteErrorAsync(context, upstream.Kind, StatusCodes.Status504GatewayTimeout,
                $"The model API did not answer within {gateway.Options.UpstreamTimeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException e)
        {
            LogUpstreamFailed(lease.SessionId, where, e.Message);
            await TryWriteErrorAsync(context, upstream.Kind, StatusCodes.Status502BadGateway, $"The model API could not be reached: {e.Message}");
        }

        return null;
    }

    /// <summary>Streams the answer back piece by piece, reading its usage on the way; returns what it read.</summary>
    private async Task<UsageMeter> RelayAsync(
        HttpContext context, SandboxGatewayLease lease, ModelUpstream upstream, HttpResponseMessage response, CancellationTokenSource call)
    {
        var options = gateway.Options;
        context.Response.StatusCode = (int)response.StatusCode;
        ModelRequestTarget.CopyResponseHeaders(response, context.Response.Headers);
        var meter = new UsageMeter(upstream.Kind, response.Content.Headers.ContentType?.MediaType, options.MaxUsageParseBytes);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(call.Token);
            await context.Response.StartAsync(call.Token);
            while (true)
            {
                // The timeout runs between pieces, not over the whole answer: a long stream is fine while it moves.
                call.CancelAfter(options.UpstreamTimeout);
                var read = await stream.ReadAsync(buffer, call.Token);
                if (read == 0)
                {
                    break;
                }

                // Counted before it is passed on: a client that leaves midway still pays for what the model sent.
                meter.Feed(buffer.AsSpan(0, read));
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), call.Token);
                await context.Response.Body.FlushAsync(call.Token);
            }

            meter.Complete();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            // Cut midway (the client left, the upstream broke or stalled, the lease closed): the client must see a cut
            // answer, not a complete-looking one, so its connection goes too.
            LogAnswerCut(lease.SessionId, context.Request.Path, e.GetType().Name);
            context.Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return meter;
    }

    private void Notify(SandboxGatewayLease lease, Action<ISandboxGatewayObserver> notify)
    {
        if (lease.Observer is not { } observer)
        {
            return;
        }

        try
        {
            notify(observer);
        }
        catch (Exception e)
        {
            // An observer's failure must not turn a refusal into a broken connection.
            LogObserverFailed(lease.SessionId, e);
        }
    }

    private static BadHttpRequestException? FindBadRequest(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException bad)
            {
                return bad;
            }
        }

        return null;
    }

    private static async Task TryWriteErrorAsync(HttpContext context, ModelApiKind kind, int status, string message)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }

        try
        {
            await ModelErrors.WriteAsync(context, kind, status, message);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The client is gone.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: refused a model request to {Path} with token {Token}: not a token of this sandbox")]
    private partial void LogRefusedToken(string sessionId, string token, PathString path);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: refused a model request to {Path} without a token")]
    private partial void LogNoToken(string sessionId, PathString path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} has no price in AgentRuntime:Gateway:Prices: its calls count tokens but cost nothing against cost budgets")]
    private partial void LogUnpriced(string model);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: refused a model request: {Reason}")]
    private partial void LogBudgetExceeded(string sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: model API {Target} failed: {Reason}")]
    private partial void LogUpstreamFailed(string sessionId, string target, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: model answer to {Path} cut midway ({Reason})")]
    private partial void LogAnswerCut(string sessionId, PathString path, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: {Method} {Path} answered {Status} by {Model}: {Input} in, {Output} out, {CacheWrite} cache write, {CacheRead} cache read, ${Cost}")]
    private partial void LogCounted(string sessionId, string method, PathString path, int status, string model, long input, long output, long cacheWrite, long cacheRead, decimal cost);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the gateway observer failed")]
    private partial void LogObserverFailed(string sessionId, Exception exception);
}
