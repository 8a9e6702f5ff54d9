namespace AgentRuntime.Sandboxes.Modal.Tests;

/// <summary>A sandbox provider under test, made once per test class.</summary>
public interface ISandboxProviderFixture
{
    /// <summary>The provider.</summary>
    ISandboxProvider Provider { get; }
}
