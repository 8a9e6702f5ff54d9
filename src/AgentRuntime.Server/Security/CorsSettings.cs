namespace AgentRuntime.Security;

/// <summary>Which other origins' pages may call the API from a browser (<c>AgentRuntime:Cors</c>).</summary>
public sealed class CorsSettings
{
    /// <summary>The configuration section the settings bind from.</summary>
    public const string SectionName = "AgentRuntime:Cors";

    /// <summary>
    /// Origins such as <c>https://app.example.com</c> allowed to call the API and open the hub and event streams; none
    /// by default, so only pages the server itself serves may. Credentials travel in headers, never cookies.
    /// </summary>
    public string[] Origins { get; set; } = [];
}
