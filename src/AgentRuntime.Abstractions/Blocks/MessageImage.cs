namespace AgentRuntime.Blocks;

/// <summary>An image in a user's message, as the model receives it.</summary>
public sealed record MessageImage
{
    /// <summary>The media types a message may carry.</summary>
    public static IReadOnlyList<string> MediaTypes { get; } = ["image/png", "image/jpeg", "image/gif", "image/webp"];

    /// <summary>One of <see cref="MediaTypes"/>.</summary>
    public required string MediaType { get; init; }

    /// <summary>The image's bytes, base64-encoded.</summary>
    public required string Data { get; init; }
}
