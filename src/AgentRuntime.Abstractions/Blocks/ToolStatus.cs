namespace AgentRuntime.Blocks;

/// <summary>Where a tool call or a subagent stands.</summary>
public enum ToolStatus
{
    /// <summary>Announced; its input may still be streaming.</summary>
    Pending,

    /// <summary>Input complete, running.</summary>
    Running,

    /// <summary>Finished without error.</summary>
    Success,

    /// <summary>Finished with an error, or its turn failed.</summary>
    Error,
}
