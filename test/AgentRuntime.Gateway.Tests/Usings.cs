global using AgentRuntime.Sandboxes;
global using AgentRuntime.Sessions;
