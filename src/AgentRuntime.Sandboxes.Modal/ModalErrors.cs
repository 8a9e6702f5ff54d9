using Grpc.Core;

namespace AgentRuntime.Sandboxes.Modal;

/// <summary>How Modal's gRPC errors reach a session: as <see cref="SandboxException"/>s with a code and a plain message.</summary>
internal static class ModalErrors
{
    /// <summary>Modal refused the token (or no token is configured).</summary>
    public const string AuthCode = "sandbox_auth";

    /// <summary>A Modal limit (concurrent sandboxes, spend, rate) was reached.</summary>
    public const string QuotaCode = "sandbox_quota";

    /// <summary>The sandbox image could not be built.</summary>
    public const string ImageBuildCode = "sandbox_image_build";

    /// <summary>Modal could not be reached, also after retries.</summary>
    public const string UnavailableCode = "sandbox_unavailable";

    /// <summary>Failures that may pass on their own; only idempotent calls are retried on them.</summary>
    public static bool IsTransient(RpcException ex) =>
        ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded;

    public static SandboxException From(RpcException ex, string rpc) => ex.StatusCode switch
    {
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => new SandboxException(
            $"Modal refused the credentials ({rpc}): {ex.Status.Detail}. Check AgentRuntime:Modal:TokenId and TokenSecret (or MODAL_TOKEN_ID and MODAL_TOKEN_SECRET).",
            ex, AuthCode),
        StatusCode.ResourceExhausted => new SandboxException($"A Modal limit was reached ({rpc}): {ex.Status.Detail}", ex, QuotaCode),
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => new SandboxException(
            $"Modal is not reachable ({rpc}): {ex.Status.Detail}", ex, UnavailableCode),
        _ => new SandboxException($"Modal's {rpc} failed: {ex.StatusCode}: {ex.Status.Detail}", ex),
    };
}
