using AgentRuntime.Host;

await RuntimeHost.CreateApp(args).RunAsync();
